namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// Names the minimal-API handler an HTTP function runs (a static method: its parameters are bound as ASP.NET Core
/// binds a minimal API's, its result is written as one). The function keeps its trigger, route and policies; the
/// handler keeps the use case.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HttpHandlerAttribute(string method) : Attribute
{
    /// <summary>The handler's name; it is a static method of the function's own class unless <see cref="Type"/> says otherwise.</summary>
    public string Method { get; } = method;

    public Type? Type { get; init; }
}

/// <summary>The function answers before storage is ready (health): it must not wait for it.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AnswersBeforeStorageIsReadyAttribute : Attribute;

/// <summary>The function is limited by the named <see cref="HttpRateLimits"/> policy.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RateLimitedAttribute(string policy) : Attribute
{
    public string Policy { get; } = policy;
}
