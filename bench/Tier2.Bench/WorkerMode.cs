using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Durable;
using Tier2.Durable.Queues;

namespace Tier2.Bench;

/// <summary>
/// A worker process: the runtime with its two standalone queue listeners, configured as the app is (host.json queue
/// settings, Poke on own enqueues). Driven over stdin: "reset" zeroes the request counts, "counts" prints them as one
/// JSON line, "quit" (or end of input) stops the listeners and exits.
/// </summary>
public static class WorkerMode
{
    public static async Task<int> RunAsync(string connection, string hub, string hostJson)
    {
        var counter = new RequestCounter();
        var trigger = Workloads.LoadQueueOptions(hostJson);
        QueueTriggerListener? orchestrations = null, activities = null;
        var options = new DurableOptions
        {
            HubName = hub,
            MaxDequeueCount = trigger.MaxDequeueCount,
            MessageEnqueued = queue => (queue.EndsWith("-activities", StringComparison.Ordinal) ? activities : orchestrations)?.Poke(),
        };
        var storage = StorageClients.Create(connection, options, counter);
        var worker = new DurableWorker(storage, Workloads.Register(new DurableRegistry()), NullLogger.Instance);
        orchestrations = new QueueTriggerListener(storage.OrchestrationQueue, storage.OrchestrationPoisonQueue, (m, ct) => worker.HandleOrchestrationMessageAsync(m.Body, m.DequeueCount, ct), trigger, NullLogger.Instance);
        activities = new QueueTriggerListener(storage.ActivityQueue, storage.ActivityPoisonQueue, (m, ct) => worker.HandleActivityMessageAsync(m.Body, m.DequeueCount, ct), trigger, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = Task.WhenAll(orchestrations.RunAsync(stop.Token), activities.RunAsync(stop.Token));
        Console.WriteLine("READY");
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            switch (line)
            {
                case "reset":
                    counter.Reset();
                    Console.WriteLine("OK");
                    break;
                case "counts":
                    Console.WriteLine("COUNTS " + JsonSerializer.Serialize(counter.Snapshot()));
                    break;
                default:
                    Console.WriteLine("ERROR unknown command " + line);
                    break;
            }

            Console.Out.Flush();
        }

        await stop.CancelAsync();
        await running;
        orchestrations.Dispose();
        activities.Dispose();
        return 0;
    }
}
