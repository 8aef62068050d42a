namespace Tier2.LocalPartnerCenter;

/// <summary>A sliding-window count per partner tenant: "500 requests per minute per tenant identifier" for the
/// customer, order and subscription resources [K:customer-resources, K:order-resources, K:subscription-resources].</summary>
internal sealed class RateLimiter(LocalPartnerCenterOptions options)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _windows = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The number of requests refused with 429 so far (a benchmark proves it stays 0).</summary>
    public int Refused { get; private set; }

    /// <summary>Counts the call; returns null when allowed, else the seconds to wait.</summary>
    public int? TryAcquire(string tenant)
    {
        if (options.RateLimitPerTenant <= 0)
        {
            return null;
        }

        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        lock (_windows)
        {
            if (!_windows.TryGetValue(tenant, out Queue<DateTimeOffset>? window))
            {
                _windows[tenant] = window = new Queue<DateTimeOffset>();
            }

            while (window.Count > 0 && window.Peek() <= now - options.RateLimitWindow)
            {
                window.Dequeue();
            }

            if (window.Count >= options.RateLimitPerTenant)
            {
                Refused++;
                return Math.Max(1, (int)Math.Ceiling((window.Peek() + options.RateLimitWindow - now).TotalSeconds));
            }

            window.Enqueue(now);
            return null;
        }
    }
}
