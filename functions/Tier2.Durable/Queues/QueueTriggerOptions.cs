namespace Tier2.Durable.Queues;

/// <summary>
/// The queue trigger semantics of the Functions host (host.json <c>extensions.queues</c>), used when the app
/// runs its own listeners (standalone mode) so local runs and tests behave as they do in Azure.
/// </summary>
public sealed class QueueTriggerOptions
{
    /// <summary>Messages fetched per receive call (host.json <c>batchSize</c>; the service allows at most 32).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>A new batch is fetched once in-flight messages drop to this count (host.json <c>newBatchThreshold</c>).</summary>
    public int NewBatchThreshold { get; set; } = 8;

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c> (host.json <c>maxDequeueCount</c>).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Delay before a failed message becomes visible again (host.json <c>visibilityTimeout</c>).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a received message stays invisible while it is processed; renewed at half-time. Short leases
    /// bound the latency after a worker crash (the host's fixed 10 minutes is a known complaint).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First polling delay after an empty receive; doubles up to <see cref="MaxPollingInterval"/>.</summary>
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between polls of an idle queue (host.json <c>maxPollingInterval</c>).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    public void Validate(string settingPrefix)
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"Setting '{name}' {message}", name);
            }
        }

        Require(BatchSize is >= 1 and <= 32, $"{settingPrefix}:BatchSize", "must be between 1 and 32.");
        Require(NewBatchThreshold >= 0, $"{settingPrefix}:NewBatchThreshold", "must be zero or more.");
        Require(MaxDequeueCount >= 1, $"{settingPrefix}:MaxDequeueCount", "must be at least 1.");
        Require(VisibilityTimeout >= TimeSpan.Zero, $"{settingPrefix}:VisibilityTimeout", "must not be negative.");
        Require(LeaseDuration >= TimeSpan.FromSeconds(2) && LeaseDuration <= TimeSpan.FromDays(7), $"{settingPrefix}:LeaseDuration", "must be between 2 seconds and 7 days.");
        Require(MinPollingInterval > TimeSpan.Zero, $"{settingPrefix}:MinPollingInterval", "must be positive.");
        Require(MaxPollingInterval >= MinPollingInterval, $"{settingPrefix}:MaxPollingInterval", "must be at least MinPollingInterval.");
    }
}

/// <summary>A message as a queue function sees it, whoever dequeued it (the host or a standalone listener).</summary>
public sealed record QueueTriggerMessage(string MessageId, string Body, long DequeueCount, DateTimeOffset? InsertedOn);
