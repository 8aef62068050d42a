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
        // A sliding window frees a segment's permits a whole window after that segment started, so two bursts at a
        // segment's end and the next window's start could fall within one server minute. Stretching the window by one
        // segment ((S-1) segments always lie between them) makes the guarantee exact: any window of
        // RateLimitWindow holds at most RequestsPerMinute requests, however the server counts.
        Limiter = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = settings.RequestsPerMinute,
            Window = settings.RateLimitWindow * Segments / (Segments - 1),
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
