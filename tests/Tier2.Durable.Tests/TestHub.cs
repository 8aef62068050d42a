using System.Collections.Concurrent;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Tier2.Durable.Queues;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

/// <summary>
/// A task hub on Azurite with its own unique name (own table, queues, container), so tests run in parallel and in
/// any order; workers run through the real queue listeners with short polling and retry delays.
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    public static readonly string ConnectionString = Environment.GetEnvironmentVariable("TIER2_TEST_STORAGE") is { Length: > 0 } s ? s : "UseDevelopmentStorage=true";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly List<RunningWorker> _workers = [];

    private TestHub(string hubName, Action<DurableRegistry> register, Action<DurableOptions>? configure, ILogger logger)
    {
        HubName = hubName;
        Register = register;
        Configure = configure;
        Logger = logger;
        Storage = NewStorage();
        Client = new DurableClient(Storage);
    }

    public string HubName { get; }

    public Action<DurableRegistry> Register { get; }

    public Action<DurableOptions>? Configure { get; }

    public ILogger Logger { get; }

    public DurableStorage Storage { get; }

    public DurableClient Client { get; }

    public static async Task<TestHub> CreateAsync(ITestOutputHelper output, Action<DurableRegistry> register, Action<DurableOptions>? configure = null, bool startWorker = true)
    {
        var hub = new TestHub("t" + Guid.NewGuid().ToString("N")[..20], register, configure, new TestOutputLogger(output));
        await hub.Storage.EnsureCreatedAsync();
        if (startWorker)
        {
            hub.StartWorker();
        }

        return hub;
    }

    /// <summary>A fresh storage object (own options) over the same hub, as another process would have.</summary>
    public DurableStorage NewStorage(Action<DurableOptions>? extra = null, RequestCounter? counter = null)
    {
        var options = new DurableOptions { HubName = HubName };
        Configure?.Invoke(options);
        extra?.Invoke(options);
        var tableOptions = new TableClientOptions();
        var queueOptions = new QueueClientOptions();
        var blobOptions = new BlobClientOptions();
        if (counter is not null)
        {
            tableOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
            queueOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
            blobOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        }

        return new DurableStorage(
            new TableServiceClient(ConnectionString, tableOptions),
            new QueueServiceClient(ConnectionString, queueOptions),
            new BlobServiceClient(ConnectionString, blobOptions),
            options);
    }

    public DurableWorker NewWorker(DurableStorage storage)
    {
        var registry = new DurableRegistry();
        Register(registry);
        return new DurableWorker(storage, registry, Logger);
    }

    /// <summary>Starts a worker with both queue listeners; stop it with <see cref="StopWorkersAsync"/>.</summary>
    public void StartWorker(Action<DurableOptions>? extra = null, RequestCounter? counter = null)
    {
        QueueTriggerListener? orchestrations = null, activities = null;
        var storage = NewStorage(o =>
        {
            extra?.Invoke(o);
            var configured = o.MessageEnqueued;
            o.MessageEnqueued = queue =>
            {
                configured?.Invoke(queue);
                (queue == o.HubName.ToLowerInvariant() + "-activities" ? activities : orchestrations)?.Poke();
            };
        }, counter);
        var worker = NewWorker(storage);
        var triggerOptions = new QueueTriggerOptions
        {
            BatchSize = 16,
            NewBatchThreshold = 8,
            MaxDequeueCount = storage.Options.MaxDequeueCount,
            VisibilityTimeout = TimeSpan.FromMilliseconds(200),
            LeaseDuration = TimeSpan.FromSeconds(20),
            MinPollingInterval = TimeSpan.FromMilliseconds(20),
            MaxPollingInterval = TimeSpan.FromMilliseconds(300),
        };
        orchestrations = new QueueTriggerListener(storage.OrchestrationQueue, storage.OrchestrationPoisonQueue, (m, ct) => worker.HandleOrchestrationMessageAsync(m.Body, m.DequeueCount, ct), triggerOptions, Logger);
        activities = new QueueTriggerListener(storage.ActivityQueue, storage.ActivityPoisonQueue, (m, ct) => worker.HandleActivityMessageAsync(m.Body, m.DequeueCount, ct), triggerOptions, Logger);
        var cts = new CancellationTokenSource();
        _workers.Add(new RunningWorker(cts, [orchestrations, activities], Task.WhenAll(orchestrations.RunAsync(cts.Token), activities.RunAsync(cts.Token))));
    }

    public async Task StopWorkersAsync()
    {
        foreach (var w in _workers)
        {
            await w.Cancellation.CancelAsync();
        }

        foreach (var w in _workers)
        {
            try
            {
                await w.Running;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            foreach (var l in w.Listeners)
            {
                l.Dispose();
            }

            w.Cancellation.Dispose();
        }

        _workers.Clear();
    }

    public async Task<OrchestrationMetadata> RunAsync(string orchestrator, object? input = null, string? instanceId = null)
    {
        var id = await Client.ScheduleNewAsync(orchestrator, input, new StartOrchestrationOptions { InstanceId = instanceId });
        return await WaitAsync(id);
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await Client.WaitForCompletionAsync(instanceId, TimeSpan.FromMilliseconds(50), cts.Token);
    }

    /// <summary>Polls until the condition on the instance holds (generous timeout; never a timing assertion).</summary>
    public async Task<OrchestrationMetadata> WaitUntilAsync(string instanceId, Func<OrchestrationMetadata, bool> condition, bool includeHistory = false)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var meta = await Client.GetInstanceAsync(instanceId, true, includeHistory, cts.Token);
            if (meta is not null && condition(meta))
            {
                return meta;
            }

            await Task.Delay(50, cts.Token);
        }
    }

    public async Task<List<TableEntity>> RowsAsync(string instanceId)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Storage.History.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    public async Task<List<string>> BlobsAsync(string? prefix = null)
    {
        var names = new List<string>();
        await foreach (var blob in Storage.Payloads.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, default))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkersAsync();
        await Storage.DeleteAsync();
    }

    private sealed record RunningWorker(CancellationTokenSource Cancellation, QueueTriggerListener[] Listeners, Task Running);
}

/// <summary>Logs to the test's output (warnings and above), ignoring writes after the test ended.</summary>
public sealed class TestOutputLogger(ITestOutputHelper output) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test is over.
        }
    }
}

/// <summary>Counts every storage request (each one is a billed transaction), by method and path shape.</summary>
public sealed class RequestCounter : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public int Total => _counts.Values.Sum();

    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Receives that returned no message: their number depends on timing (the polling back-off), not on the design.</summary>
    public int IdlePolls => _counts.GetValueOrDefault(IdleKey);

    private const string IdleKey = "queue GET messages (empty: idle poll)";

    public override void OnReceivedResponse(Azure.Core.HttpMessage message)
    {
        var uri = message.Request.Uri.ToUri();
        var path = uri.AbsolutePath.Contains("/messages", StringComparison.Ordinal) ? "messages" : uri.AbsolutePath.Contains("$batch", StringComparison.Ordinal) ? "batch" : "entity";

        // Azurite runs on any ports (scripts/test.sh picks free ones): classify by path where it says enough.
        var kind = path switch
        {
            "messages" => "queue",
            "batch" => "table",
            _ => uri.Port switch { 10000 => "blob", 10001 => "queue", 10002 => "table", _ => uri.Host + ":" + uri.Port },
        };
        var key = $"{kind} {message.Request.Method} {path}";
        if (key == "queue GET messages" && message.Response.Status == 200 && !message.Response.Content.ToString().Contains("<QueueMessage>", StringComparison.Ordinal))
        {
            key = IdleKey;
        }

        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    public void Reset() => _counts.Clear();
}

public static class MetadataAssert
{
    public static void Completed(OrchestrationMetadata meta)
    {
        Xunit.Assert.True(meta.Status == OrchestrationStatus.Completed, $"expected Completed, was {meta.Status}: {meta.Failure}");
    }
}
