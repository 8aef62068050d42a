using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Durable;
using Tier2.Durable.Queues;

// Environment: TIER2_TEST_STORAGE (connection string), DURABLE_HUB (hub name), DURABLE_ACTIVITY_LOG (file each
// activity run appends "instanceId|taskId" to), DURABLE_CRASH_AT (optional: the fault point at which this process
// prints "CRASHPOINT <name>" and freezes, for the test to SIGKILL it).
var connection = Environment.GetEnvironmentVariable("TIER2_TEST_STORAGE") is { Length: > 0 } c ? c : "UseDevelopmentStorage=true";
var hub = Environment.GetEnvironmentVariable("DURABLE_HUB") ?? throw new InvalidOperationException("DURABLE_HUB is required.");
var activityLog = Environment.GetEnvironmentVariable("DURABLE_ACTIVITY_LOG") ?? throw new InvalidOperationException("DURABLE_ACTIVITY_LOG is required.");
var crashAt = Environment.GetEnvironmentVariable("DURABLE_CRASH_AT");
var logLock = new Lock();

QueueTriggerListener? orchestrations = null, activities = null;
var options = new DurableOptions
{
    HubName = hub,
    MaxDequeueCount = 10,
    MessageEnqueued = queue => (queue.EndsWith("-activities", StringComparison.Ordinal) ? activities : orchestrations)?.Poke(),
};
if (!string.IsNullOrEmpty(crashAt))
{
    options.FaultPoint = point =>
    {
        if (point == crashAt)
        {
            Console.WriteLine($"CRASHPOINT {point}");
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    };
}

var storage = new DurableStorage(new TableServiceClient(connection), new QueueServiceClient(connection), new BlobServiceClient(connection), options);
await storage.EnsureCreatedAsync();

var registry = new DurableRegistry()
    .AddActivity<string, string>("Greet", (ctx, name, ct) =>
    {
        lock (logLock)
        {
            File.AppendAllText(activityLog, $"{ctx.InstanceId}|{ctx.TaskId}\n");
        }

        return Task.FromResult($"Hello {name}!");
    })
    .AddOrchestrator<string[], List<string>>("CrashSequence", async (ctx, names) =>
    {
        var results = new List<string>();
        foreach (var name in names)
        {
            results.Add(await ctx.CallActivityAsync<string>("Greet", name));
        }

        return results;
    })
    .AddOrchestrator<string, string>("CrashTimer", async (ctx, name) =>
    {
        await ctx.CreateTimer(TimeSpan.FromSeconds(2));
        return await ctx.CallActivityAsync<string>("Greet", name);
    })
    .AddOrchestrator<int, int>("CrashFanOut", async (ctx, count) =>
    {
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => ctx.CallActivityAsync<string>("Greet", i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return results.Length;
    });

var worker = new DurableWorker(storage, registry, NullLogger.Instance);
var trigger = new QueueTriggerOptions
{
    MaxDequeueCount = options.MaxDequeueCount,
    VisibilityTimeout = TimeSpan.FromMilliseconds(200),
    LeaseDuration = TimeSpan.FromSeconds(2),
    MinPollingInterval = TimeSpan.FromMilliseconds(20),
    MaxPollingInterval = TimeSpan.FromMilliseconds(250),
};
orchestrations = new QueueTriggerListener(storage.OrchestrationQueue, storage.OrchestrationPoisonQueue, (m, ct) => worker.HandleOrchestrationMessageAsync(m.Body, m.DequeueCount, ct), trigger, NullLogger.Instance);
activities = new QueueTriggerListener(storage.ActivityQueue, storage.ActivityPoisonQueue, (m, ct) => worker.HandleActivityMessageAsync(m.Body, m.DequeueCount, ct), trigger, NullLogger.Instance);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
Console.WriteLine("READY");
Console.Out.Flush();
await Task.WhenAll(orchestrations.RunAsync(stop.Token), activities.RunAsync(stop.Token));
