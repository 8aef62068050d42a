using System.Globalization;
using System.Text.Json;
using Tier2.Durable;
using Tier2.Durable.Queues;

namespace Tier2.Bench;

/// <summary>The orchestrations the benchmark runs, and the queue settings the app runs them with.</summary>
public static class Workloads
{
    public const string Hello = "HelloSequence";
    public const string FanOut = "FanOutFanIn";
    public const string SayHello = "SayHello";
    public const int FanOutWidth = 100;

    public static DurableRegistry Register(DurableRegistry registry) => registry
        .AddActivity<string, string>(SayHello, (ctx, name, ct) => Task.FromResult($"Hello {name}!"))
        .AddOrchestrator<string[], List<string>>(Hello, async (ctx, cities) =>
        {
            var results = new List<string>();
            foreach (var city in cities)
            {
                results.Add(await ctx.CallActivityAsync<string>(SayHello, city));
            }

            return results;
        })
        .AddOrchestrator<int, int>(FanOut, async (ctx, width) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, width)
                .Select(i => ctx.CallActivityAsync<string>(SayHello, i.ToString(CultureInfo.InvariantCulture))));
            return results.Length;
        });

    /// <summary>
    /// The queue trigger settings the app uses: host.json <c>extensions.queues</c> over the listener's defaults (the same
    /// precedence as Tier2.Functions' HostJsonQueueSettings, without its configuration stack).
    /// </summary>
    public static QueueTriggerOptions LoadQueueOptions(string hostJsonPath)
    {
        var options = new QueueTriggerOptions();
        using var doc = JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        if (doc.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("queues", out var q))
        {
            if (q.TryGetProperty("batchSize", out var v))
            {
                options.BatchSize = v.GetInt32();
            }

            if (q.TryGetProperty("newBatchThreshold", out v))
            {
                options.NewBatchThreshold = v.GetInt32();
            }

            if (q.TryGetProperty("maxDequeueCount", out v))
            {
                options.MaxDequeueCount = v.GetInt32();
            }

            if (q.TryGetProperty("visibilityTimeout", out v))
            {
                options.VisibilityTimeout = TimeSpan.Parse(v.GetString()!, CultureInfo.InvariantCulture);
            }

            if (q.TryGetProperty("maxPollingInterval", out v))
            {
                options.MaxPollingInterval = TimeSpan.Parse(v.GetString()!, CultureInfo.InvariantCulture);
            }
        }

        options.Validate("host.json extensions.queues");
        return options;
    }
}
