using Microsoft.AspNetCore.Http.Metadata;

namespace Tier2.Functions.Hosting.OpenApi;

/// <summary>
/// The function's successful answers carry the resource's <c>ETag</c> (the value a change sends back as
/// <c>If-Match</c>): the OpenAPI document declares the header on its 200 and 201 responses.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ProducesETagAttribute : Attribute;

/// <summary>
/// The function takes an optional JSON body of any shape that its handler reads itself (an orchestration event's
/// data): ASP.NET Core's API explorer describes it from this <see cref="IAcceptsMetadata"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AcceptsAnyJsonAttribute : Attribute, IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public Type? RequestType => typeof(System.Text.Json.JsonElement);

    public bool IsOptional => true;
}

/// <summary>
/// A string parameter that takes one of a fixed set of names (any case, as the handler parses it): an enum's names,
/// or a static list of strings (<paramref name="member"/> of <paramref name="type"/>). The OpenAPI document lists them
/// as the parameter's <c>enum</c>; with <see cref="CommaSeparated"/>, as an array sent as one comma-separated value.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class TakesValuesAttribute(Type type, string? member = null) : Attribute
{
    public bool CommaSeparated { get; init; }

    public IReadOnlyList<string> Values => type.IsEnum
        ? Enum.GetNames(type)
        : (IReadOnlyList<string>)(type.GetField(member!)?.GetValue(null) ?? type.GetProperty(member!)!.GetValue(null)!);
}
