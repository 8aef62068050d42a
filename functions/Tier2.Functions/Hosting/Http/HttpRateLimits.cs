using System.Threading.RateLimiting;

namespace Tier2.Functions.Hosting.Http;

/// <summary>A named rate limit for HTTP functions (<see cref="RateLimitedAttribute"/>), partitioned per request (for example per caller).</summary>
public sealed record HttpRateLimit(string Name, PartitionedRateLimiter<HttpContext> Limiter);

public static class HttpRateLimits
{
    public static IServiceCollection AddHttpRateLimit(this IServiceCollection services, string name, Func<IServiceProvider, PartitionedRateLimiter<HttpContext>> limiter) =>
        services.AddSingleton(sp => new HttpRateLimit(name, limiter(sp)));
}
