namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// The function's handler can answer <see cref="StatusCode"/> as problem details (409, 410, 428, ...): the OpenAPI
/// document declares it. Answers the runner gives (401/403, 400/413/415, 429) and those a handler's parameters imply
/// (404 for a route value, 412 for <c>If-Match</c>, 422 for <c>Idempotency-Key</c>) are declared without it
/// (<see cref="OpenApi.OpenApiContract"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProducesProblemAttribute(int statusCode) : Attribute
{
    public int StatusCode { get; } = statusCode;
}
