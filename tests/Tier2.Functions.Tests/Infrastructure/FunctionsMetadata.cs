namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>
/// functions.metadata, which the worker SDK writes next to the app and the Functions host indexes functions from, read
/// through typed records (the subset the tests check), camelCase as the host reads it.
/// </summary>
public static class FunctionsMetadata
{
    /// <summary>The functions listed in <paramref name="json"/>.</summary>
    public static IReadOnlyList<FunctionMetadata> Parse(string json) =>
        JsonSerializer.Deserialize<List<FunctionMetadata>>(json, Options) ?? throw new InvalidOperationException("functions.metadata is null.");

    /// <summary>How the Functions host reads its JSON files (camelCase, comments and trailing commas allowed in host.json).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
}

/// <summary>A function of functions.metadata.</summary>
public sealed record FunctionMetadata(string Name, string? EntryPoint, IReadOnlyList<FunctionBinding> Bindings);

/// <summary>A binding of a function in functions.metadata (a timer's schedule, an HTTP trigger's route and methods).</summary>
public sealed record FunctionBinding(string Name, string Type, string Direction, string? Route, IReadOnlyList<string>? Methods, string? Schedule);
