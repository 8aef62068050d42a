using System.Net.Http.Headers;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter;

/// <summary>Puts the token the request asks for (<see cref="PartnerCenterClient.AuthOption"/>) on every attempt; a 401 gets one new token.</summary>
public sealed class PartnerCenterAuthHandler(PartnerCenterTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = request.Options.TryGetValue(PartnerCenterClient.AuthOption, out var chosen) ? chosen : PartnerCenterAuth.AppUser;
        var token = await tokens.GetAccessTokenAsync(auth, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // A cached token Partner Center no longer takes (revoked, or clocks apart): forget it and try once with a new one.
        response.Dispose();
        tokens.Invalidate(auth, token);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(auth, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The client-side limit under Partner Center's 500 requests a minute per tenant on the customer, order and
/// subscription resources (all under <c>/v1/customers</c>). It sits inside the retries, so every attempt counts, and
/// callers over the limit wait their turn instead of drawing a 429.
/// </summary>
public sealed class PartnerCenterRateLimiter : IDisposable
{
    private const int Segments = 10;

    public PartnerCenterRateLimiter(IOptions<PartnerCenterOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        // The limiter's segments tick from its creation, not from the first request, so a permit taken late in a segment
        // comes back (S-1) segments later: stretched by one segment, two full batches can still be exactly one
        // RateLimitWindow apart, and the network's jitter between taking a permit and reaching Partner Center pushes
        // them inside one server window (a burst test saw 96 arrivals within 2 s against a limit of 50 every 2 s).
        // Stretching by two segments leaves a whole segment of slack: any RateLimitWindow holds at most
        // RequestsPerMinute requests even with jitter of up to a segment (6 s for the default minute), at the cost of
        // a fifth of the throughput.
        Limiter = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = settings.RequestsPerMinute,
            Window = settings.RateLimitWindow * Segments / (Segments - 2),
            SegmentsPerWindow = Segments,
            QueueLimit = 100_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public RateLimiter Limiter { get; }

    /// <summary>Whether a request is to a rate-limited resource (customers, and their orders and subscriptions).</summary>
    public static bool Applies(Uri? uri) =>
        uri is not null && uri.AbsolutePath.Contains("/v1/customers", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => Limiter.Dispose();
}

public sealed class PartnerCenterRateLimitHandler(PartnerCenterRateLimiter limiter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!PartnerCenterRateLimiter.Applies(request.RequestUri))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        using var lease = await limiter.Limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.Throttled, "Too many Partner Center calls are waiting for the client-side rate limit.");
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
