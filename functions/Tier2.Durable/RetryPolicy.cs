namespace Tier2.Durable;

/// <summary>
/// Retries a failed activity or sub-orchestration with durable timers between attempts:
/// delay(n) = min(FirstRetryInterval * BackoffCoefficient^(n-1), MaxRetryInterval).
/// </summary>
public sealed class RetryPolicy
{
    public RetryPolicy(int maxAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0, TimeSpan? maxRetryInterval = null, Func<FailureDetails, bool>? handle = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstRetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(backoffCoefficient, 1.0);
        MaxAttempts = maxAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromDays(6);
        Handle = handle;
    }

    /// <summary>Total attempts, the first included.</summary>
    public int MaxAttempts { get; }

    public TimeSpan FirstRetryInterval { get; }

    public double BackoffCoefficient { get; }

    public TimeSpan MaxRetryInterval { get; }

    /// <summary>Retry only failures this accepts; null retries every failure.</summary>
    public Func<FailureDetails, bool>? Handle { get; }

    public static RetryPolicy Exponential(int maxAttempts, TimeSpan firstRetryInterval, TimeSpan? maxRetryInterval = null) =>
        new(maxAttempts, firstRetryInterval, 2.0, maxRetryInterval);

    /// <summary>The delay after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, attempt - 1);
        return ticks >= MaxRetryInterval.Ticks ? MaxRetryInterval : TimeSpan.FromTicks((long)ticks);
    }
}
