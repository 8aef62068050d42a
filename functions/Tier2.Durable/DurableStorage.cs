using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Tier2.Durable.Internal;

namespace Tier2.Durable;

/// <summary>
/// The storage of one task hub: table "{hub}History" (one partition per instance: state row, history rows, inbox
/// rows), queues "{hub}-orchestrations" and "{hub}-activities" (and their "-poison" queues), blob container
/// "{hub}-payloads" (large payloads). Queue clients inherit the service client's options (message encoding).
/// </summary>
public sealed class DurableStorage
{
    public DurableStorage(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs, DurableOptions options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var hub = options.HubName;
        var lower = hub.ToLowerInvariant();
        HistoryTableName = hub + "History";
        OrchestrationQueueName = lower + "-orchestrations";
        ActivityQueueName = lower + "-activities";
        PayloadContainerName = lower + "-payloads";
        History = tables.GetTableClient(HistoryTableName);
        OrchestrationQueue = queues.GetQueueClient(OrchestrationQueueName);
        ActivityQueue = queues.GetQueueClient(ActivityQueueName);
        OrchestrationPoisonQueue = queues.GetQueueClient(OrchestrationQueueName + "-poison");
        ActivityPoisonQueue = queues.GetQueueClient(ActivityQueueName + "-poison");
        Payloads = blobs.GetBlobContainerClient(PayloadContainerName);
        PayloadStore = new PayloadStore(Payloads, options.MaxInlinePayloadBytes);
    }

    public DurableOptions Options { get; }

    public string HistoryTableName { get; }

    public string OrchestrationQueueName { get; }

    public string ActivityQueueName { get; }

    public string PayloadContainerName { get; }

    public TableClient History { get; }

    public QueueClient OrchestrationQueue { get; }

    public QueueClient ActivityQueue { get; }

    public QueueClient OrchestrationPoisonQueue { get; }

    public QueueClient ActivityPoisonQueue { get; }

    public BlobContainerClient Payloads { get; }

    internal PayloadStore PayloadStore { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(
            History.CreateIfNotExistsAsync(cancellationToken),
            OrchestrationQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            ActivityQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            OrchestrationPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            ActivityPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Payloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes the hub's table, queues and container (tests, tear-down).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        static async Task Quietly(Func<Task> action)
        {
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Already gone.
            }
        }

        await Task.WhenAll(
            Quietly(() => History.DeleteAsync(cancellationToken)),
            Quietly(() => OrchestrationQueue.DeleteIfExistsAsync(cancellationToken)),
            Quietly(() => ActivityQueue.DeleteIfExistsAsync(cancellationToken)),
            Quietly(() => OrchestrationPoisonQueue.DeleteIfExistsAsync(cancellationToken)),
            Quietly(() => ActivityPoisonQueue.DeleteIfExistsAsync(cancellationToken)),
            Quietly(() => Payloads.DeleteIfExistsAsync(cancellationToken: cancellationToken))).ConfigureAwait(false);
    }

    // A queue message is at most 64 KiB after base64 encoding: keep the text under 46 KiB.
    private const int MaxMessageBytes = 46 * 1024;

    internal async Task SendOrchestrationMessageAsync(OrchestrationMessage message, TimeSpan? delay, CancellationToken ct)
    {
        var text = System.Text.Json.JsonSerializer.Serialize(message, DurableJsonContext.Default.OrchestrationMessage);
        if (System.Text.Encoding.UTF8.GetByteCount(text) > MaxMessageBytes && message.Payload is { } payload)
        {
            message.PayloadBlob = await PayloadStore.StoreLargeAsync(message.InstanceId, payload, ct).ConfigureAwait(false);
            message.Payload = null;
            text = System.Text.Json.JsonSerializer.Serialize(message, DurableJsonContext.Default.OrchestrationMessage);
        }

        await OrchestrationQueue.SendMessageAsync(text, visibilityTimeout: delay, cancellationToken: ct).ConfigureAwait(false);
        Options.MessageEnqueued?.Invoke(OrchestrationQueueName);
    }

    internal async Task SendActivityMessageAsync(ActivityMessage message, CancellationToken ct)
    {
        var text = System.Text.Json.JsonSerializer.Serialize(message, DurableJsonContext.Default.ActivityMessage);
        if (System.Text.Encoding.UTF8.GetByteCount(text) > MaxMessageBytes && message.Input is { } input)
        {
            message.InputBlob = await PayloadStore.StoreLargeAsync(message.InstanceId, input, ct).ConfigureAwait(false);
            message.Input = null;
            text = System.Text.Json.JsonSerializer.Serialize(message, DurableJsonContext.Default.ActivityMessage);
        }

        await ActivityQueue.SendMessageAsync(text, cancellationToken: ct).ConfigureAwait(false);
        Options.MessageEnqueued?.Invoke(ActivityQueueName);
    }

    internal Task WakeAsync(string instanceId, CancellationToken ct) =>
        SendOrchestrationMessageAsync(new OrchestrationMessage { Kind = MessageKinds.Wake, InstanceId = instanceId }, null, ct);
}
