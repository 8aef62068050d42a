using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tier2.Durable;

/// <summary>Settings of one task hub: its storage names, limits and the serializer for user payloads.</summary>
public sealed partial class DurableOptions
{
    /// <summary>Names the hub's table, queues and blob container: letters and digits, 3 to 40 characters, starting with a letter.</summary>
    public string HubName { get; set; } = "Tier2";

    /// <summary>Deliveries of one queue message before it is poisoned and its instance marked Failed (must equal the queue trigger's).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Longest visibility delay of one timer message; longer timers are chained (the service allows 7 days).</summary>
    public TimeSpan MaxTimerVisibility { get; set; } = TimeSpan.FromDays(6);

    /// <summary>Serializer for orchestration and activity inputs and outputs (the app passes its source-generated resolver).</summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Payloads (UTF-8 JSON) larger than this go to blobs. 30 KiB keeps a payload under the 64 KiB table string
    /// property limit (stored as UTF-16) and a message under the 64 KiB queue limit (base64-encoded).
    /// </summary>
    public int MaxInlinePayloadBytes { get; set; } = 30 * 1024;

    /// <summary>How many times an episode is re-run in place after losing an ETag race before the message is retried later.</summary>
    public int MaxConflictRetries { get; set; } = 10;

    /// <summary>Inbox rows (events, controls, buffered results) consumed by one episode; the rest by the next one, so a commit always fits one batch.</summary>
    public int MaxInboxRowsPerEpisode { get; set; } = 50;

    /// <summary>
    /// Called with the queue name after this process enqueued a message, so an in-process listener can stop its
    /// polling back-off (<c>QueueTriggerListener.Poke</c>). Optional.
    /// </summary>
    public Action<string>? MessageEnqueued { get; set; }

    /// <summary>Test-only fault injection points (crash tests); null in production.</summary>
    internal Action<string>? FaultPoint { get; set; }

    public void Validate()
    {
        if (string.IsNullOrEmpty(HubName) || !HubNamePattern().IsMatch(HubName))
        {
            throw new ArgumentException($"Hub name '{HubName}' must be 3 to 40 letters or digits, starting with a letter.", nameof(HubName));
        }

        if (MaxDequeueCount < 1)
        {
            throw new ArgumentException("MaxDequeueCount must be at least 1.", nameof(MaxDequeueCount));
        }

        if (MaxTimerVisibility < TimeSpan.FromSeconds(1) || MaxTimerVisibility > TimeSpan.FromDays(7))
        {
            throw new ArgumentException("MaxTimerVisibility must be between 1 second and 7 days.", nameof(MaxTimerVisibility));
        }

        if (MaxInlinePayloadBytes is < 1024 or > 30 * 1024)
        {
            throw new ArgumentException("MaxInlinePayloadBytes must be between 1 KiB and 30 KiB.", nameof(MaxInlinePayloadBytes));
        }

        if (MaxInboxRowsPerEpisode is < 1 or > 80)
        {
            throw new ArgumentException("MaxInboxRowsPerEpisode must be between 1 and 80.", nameof(MaxInboxRowsPerEpisode));
        }

        ArgumentNullException.ThrowIfNull(SerializerOptions);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,39}$")]
    private static partial Regex HubNamePattern();
}
