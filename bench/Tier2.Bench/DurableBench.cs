using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Tier2.Durable;

namespace Tier2.Bench;

/// <summary>
/// <c>bench.sh durable</c>: one run against one Azurite. Storage baseline, hello sequence with 1 and 2 worker
/// processes, fan-out/fan-in, transactions per orchestration, the ratio to the storage bound, idle polling.
/// </summary>
public sealed class DurableBench(string connection, string hostJson, BenchSettings settings)
{
    private static readonly string[] Cities = ["Tokyo", "Seattle", "London"];

    public async Task<JsonObject> RunAsync()
    {
        var trigger = Workloads.LoadQueueOptions(hostJson);
        var concurrency = trigger.BatchSize + trigger.NewBatchThreshold;
        var hub = "bench" + Guid.NewGuid().ToString("N")[..12];
        var result = new JsonObject
        {
            ["hub"] = hub,
            ["machine"] = new JsonObject { ["processors"] = Environment.ProcessorCount, ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
            ["queueSettings"] = new JsonObject
            {
                ["batchSize"] = trigger.BatchSize,
                ["newBatchThreshold"] = trigger.NewBatchThreshold,
                ["minPollingIntervalMs"] = trigger.MinPollingInterval.TotalMilliseconds,
                ["maxPollingIntervalMs"] = trigger.MaxPollingInterval.TotalMilliseconds,
                ["leaseDurationS"] = trigger.LeaseDuration.TotalSeconds,
            },
        };

        Console.WriteLine($"== storage baseline ({concurrency} concurrent requests per kind = batchSize {trigger.BatchSize} + newBatchThreshold {trigger.NewBatchThreshold}, {settings.BaselineSeconds} s each)");
        var baseline = await Baseline.MeasureAsync(connection, hub, concurrency, TimeSpan.FromSeconds(settings.BaselineSeconds));
        result["baseline"] = new JsonObject
        {
            ["concurrency"] = baseline.Concurrency,
            ["tableBatchCommitsPerSec"] = Round(baseline.BatchCommits),
            ["tablePointReadsPerSec"] = Round(baseline.PointReads),
            ["queueSendsPerSec"] = Round(baseline.QueueSends),
            ["queueReceiveDeletesPerSec"] = Round(baseline.ReceiveDeletes),
        };
        Table(
            ["operation", "per second"],
            ["table batch commit (replace state If-Match + add history row)", F(baseline.BatchCommits)],
            ["table point read", F(baseline.PointReads)],
            ["queue send", F(baseline.QueueSends)],
            ["queue receive(1) + delete", F(baseline.ReceiveDeletes)]);

        var clientCounter = new RequestCounter();
        var storage = StorageClients.Create(connection, new DurableOptions { HubName = hub }, clientCounter);
        await storage.EnsureCreatedAsync();
        var client = new DurableClient(storage);
        var observer = StorageClients.Create(connection, new DurableOptions { HubName = hub }, null).History;

        var workers = new List<WorkerProcess>();
        try
        {
            workers.Add(await WorkerProcess.StartAsync(connection, hub, hostJson));

            Console.WriteLine($"\n== hello sequence (3 activities), 1 worker process, {settings.InFlight} orchestrations kept in flight for {settings.HelloSeconds} s");
            var hello1 = await HelloAsync(client, clientCounter, observer, workers);
            Print(hello1);

            Console.WriteLine($"\n== fan-out/fan-in of {Workloads.FanOutWidth} activities x {settings.FanOuts} orchestrations, 1 worker process");
            var fan = await FanOutAsync(client, clientCounter, observer, workers);
            Console.WriteLine($"   {F(fan.ActivitiesPerSec)} activities/s ({fan.Activities} activities in {fan.Seconds:F2} s), {fan.TransactionsPerActivity:F2} storage transactions per activity call");

            workers.Add(await WorkerProcess.StartAsync(connection, hub, hostJson));
            Console.WriteLine($"\n== hello sequence (3 activities), 2 worker processes, {settings.InFlight} in flight for {settings.HelloSeconds} s");
            var hello2 = await HelloAsync(client, clientCounter, observer, workers);
            Print(hello2);

            // (4) per orchestration, from the 1-worker run (the 2-worker figures are in the JSON too).
            var perOrch = hello1.PerOrchestration;
            var kinds = perOrch.OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
            Console.WriteLine("\n== storage transactions per hello orchestration (1 worker; every request of the workers and of the client's schedule, counted by an HttpPipelinePolicy)");
            Table(["kind", "per orchestration", "per activity call"], [.. kinds.Select(k => new[] { k.Key, k.Value.ToString("F2", CultureInfo.InvariantCulture), (k.Value / 3).ToString("F2", CultureInfo.InvariantCulture) })]);
            var total = perOrch.Values.Sum();
            var idle = perOrch.GetValueOrDefault(RequestCounter.QueueIdle);
            Console.WriteLine($"   total {total:F2} per orchestration = {total / 3:F2} per activity call (target <= 10); without empty receives {(total - idle) / 3:F2}");

            // (5) the bound: Azurite serves every request on one Node.js event loop, so the time one orchestration costs it is
            // the sum over request kinds of (requests of that kind per orchestration) / (that kind's saturated rate).
            var (bound, terms) = Bound(perOrch, baseline);
            Console.WriteLine("\n== ratio to the storage bound");
            Console.WriteLine("   bound = 1 / sum_k(n_k / rate_k): n_k = requests of kind k per orchestration (above), rate_k = the baseline rate of that kind");
            Console.WriteLine("   (table batch/insert/write -> batch commit rate; table read, blob -> point read rate; queue send -> send rate;");
            Console.WriteLine("    queue receive (incl. empty), delete, update -> 2 x receive+delete rate, each being half of a pair)");
            Table(["kind", "n_k", "rate_k /s", "ms of storage time"], [.. terms.Select(t => new[] { t.Kind, t.Count.ToString("F2", CultureInfo.InvariantCulture), F(t.Rate), (t.Count / t.Rate * 1000).ToString("F2", CultureInfo.InvariantCulture) })]);
            var ratio1 = hello1.OrchestrationsPerSec / bound;
            var ratio2 = hello2.OrchestrationsPerSec / bound;
            Console.WriteLine($"   bound {bound:F1} orchestrations/s; measured 1 worker {hello1.OrchestrationsPerSec:F1}/s -> ratio {ratio1:F2}; 2 workers {hello2.OrchestrationsPerSec:F1}/s -> ratio {ratio2:F2} (target >= 0.5)");

            // (6) idle polling: let the listeners back off fully, then count every request for the idle window.
            var idleResult = await IdleAsync(workers, trigger.MaxPollingInterval);

            result["hello1Worker"] = hello1.ToJson();
            result["hello2Workers"] = hello2.ToJson();
            result["fanOut"] = new JsonObject
            {
                ["width"] = Workloads.FanOutWidth,
                ["orchestrations"] = settings.FanOuts,
                ["activities"] = fan.Activities,
                ["seconds"] = Round(fan.Seconds),
                ["activitiesPerSec"] = Round(fan.ActivitiesPerSec),
                ["transactionsPerActivity"] = Round(fan.TransactionsPerActivity),
            };
            result["transactions"] = new JsonObject
            {
                ["perOrchestration"] = Round(total),
                ["perActivityCall"] = Round(total / 3),
                ["perActivityCallWithoutEmptyReceives"] = Round((total - idle) / 3),
                ["byKindPerOrchestration"] = new JsonObject(kinds.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)Round(k.Value)))),
                ["targetPerActivityCall"] = 10,
            };
            result["bound"] = new JsonObject
            {
                ["formula"] = "bound = 1 / sum_k(n_k / rate_k); n_k = storage requests of kind k per hello orchestration (1-worker run), rate_k = baseline rate of the kind (table batch/insert/write: batch commits; table read, blob: point reads; queue send: sends; queue receive/delete/update: 2 x receive+delete pairs)",
                ["orchestrationsPerSec"] = Round(bound),
                ["ratio1Worker"] = Round(ratio1),
                ["ratio2Workers"] = Round(ratio2),
                ["target"] = 0.5,
                ["terms"] = new JsonArray([.. terms.Select(t => (JsonNode)new JsonObject { ["kind"] = t.Kind, ["perOrchestration"] = Round(t.Count), ["ratePerSec"] = Round(t.Rate) })]),
            };
            result["idlePolling"] = idleResult;
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }

            await storage.DeleteAsync();
        }

        return result;
    }

    private async Task<JsonObject> IdleAsync(List<WorkerProcess> workers, TimeSpan maxPolling)
    {
        var settle = TimeSpan.FromSeconds(Math.Ceiling(maxPolling.TotalSeconds * 3) + 1);
        var window = TimeSpan.FromSeconds(settings.IdleSeconds);
        Console.WriteLine($"\n== idle polling: {workers.Count} worker processes x 2 queue listeners, {settle.TotalSeconds:F0} s to back off, then {window.TotalSeconds:F0} s counted");
        await Task.Delay(settle);
        foreach (var w in workers)
        {
            await w.ResetCountsAsync();
        }

        await Task.Delay(window);
        var perWorker = new JsonArray();
        long all = 0;
        long nonPoll = 0;
        foreach (var w in workers)
        {
            var counts = await w.CountsAsync();
            var polls = counts.Where(c => c.Key is RequestCounter.QueueIdle or "queue receive").Sum(c => c.Value);
            all += counts.Values.Sum();
            nonPoll += counts.Values.Sum() - polls;
            perWorker.Add(new JsonObject { ["requests"] = counts.Values.Sum(), ["receives"] = polls });
        }

        // A listener fully backed off polls once per MaxPollingInterval: at most floor(window / interval) + 1 receives in the window.
        var maxPerListener = (long)Math.Floor(window.TotalSeconds / maxPolling.TotalSeconds) + 1;
        var allowed = maxPerListener * 2 * workers.Count;
        var perListenerInterval = all == 0 ? double.PositiveInfinity : window.TotalSeconds * 2 * workers.Count / all;
        Console.WriteLine($"   {all} requests in {window.TotalSeconds:F0} s ({nonPoll} other than receives); allowed at MaxPollingInterval {maxPolling.TotalSeconds:F1} s: {allowed} ({maxPerListener} per listener)");
        Console.WriteLine($"   mean interval between polls of one listener: {perListenerInterval:F2} s (target: >= {maxPolling.TotalSeconds:F1} s)");
        return new JsonObject
        {
            ["windowSeconds"] = window.TotalSeconds,
            ["settleSeconds"] = settle.TotalSeconds,
            ["workerProcesses"] = workers.Count,
            ["listeners"] = 2 * workers.Count,
            ["maxPollingIntervalSeconds"] = maxPolling.TotalSeconds,
            ["requests"] = all,
            ["nonReceiveRequests"] = nonPoll,
            ["maxAllowed"] = allowed,
            ["meanPollIntervalPerListenerSeconds"] = Round(perListenerInterval),
            ["withinTarget"] = all <= allowed,
            ["perWorker"] = perWorker,
        };
    }

    private static (double Bound, List<(string Kind, double Count, double Rate)> Terms) Bound(Dictionary<string, double> perOrch, BaselineRates b)
    {
        var terms = new List<(string, double, double)>();
        double seconds = 0;
        foreach (var (kind, count) in perOrch.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var rate = kind switch
            {
                "table batch" or "table insert" or "table write" => b.BatchCommits,
                "queue send" => b.QueueSends,
                _ when kind.StartsWith("queue", StringComparison.Ordinal) => 2 * b.ReceiveDeletes,
                _ => b.PointReads, // table read, blob
            };
            terms.Add((kind, count, rate));
            seconds += count / rate;
        }

        return (1 / seconds, terms);
    }

    private async Task<HelloResult> HelloAsync(DurableClient client, RequestCounter clientCounter, TableClient observer, List<WorkerProcess> workers)
    {
        foreach (var w in workers)
        {
            await w.ResetCountsAsync();
        }

        clientCounter.Reset();
        var created = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var completedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var start = DateTimeOffset.UtcNow;
        var measureFrom = start + TimeSpan.FromSeconds(settings.HelloWarmupSeconds);
        var stopAt = measureFrom + TimeSpan.FromSeconds(settings.HelloSeconds);
        var inFlight = 0;
        var watcher = new CompletionWatcher(observer, start - TimeSpan.FromSeconds(1));

        async Task StartOneAsync()
        {
            var id = await client.ScheduleNewAsync(Workloads.Hello, Cities);
            lock (created)
            {
                created[id] = DateTimeOffset.UtcNow;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.InFlight).Select(_ => StartOneAsync()));
        inFlight = settings.InFlight;
        var progress = Stopwatch.StartNew();
        while (inFlight > 0)
        {
            if (progress.Elapsed > TimeSpan.FromSeconds(90))
            {
                var stuck = created.Keys.Where(k => !completedAt.ContainsKey(k)).Take(5).ToList();
                var states = await Task.WhenAll(stuck.Select(k => client.GetInstanceAsync(k, includeHistory: true)));
                throw new TimeoutException($"No hello orchestration completed for 90 s ({inFlight} in flight): "
                    + string.Join("; ", states.Select(m => $"{m?.InstanceId} {m?.Status} created {m?.CreatedAt:O} updated {m?.LastUpdatedAt:O} history {m?.History?.Count}")));
            }

            await Task.Delay(settings.PollMilliseconds);
            var done = await watcher.PollAsync();
            if (done.Count > 0)
            {
                progress.Restart();
            }

            done.RemoveAll(d => !created.ContainsKey(d.Id)); // an earlier phase's instance
            foreach (var (id, c, d) in done)
            {
                completedAt[id] = d;
                lock (created)
                {
                    created[id] = c; // the state row's CreatedAt: stamped by the client at schedule time
                }
            }

            inFlight -= done.Count;
            if (DateTimeOffset.UtcNow < stopAt && done.Count > 0)
            {
                await Task.WhenAll(Enumerable.Range(0, done.Count).Select(_ => StartOneAsync()));
                inFlight += done.Count;
            }
        }

        var counts = Merge(clientCounter.Snapshot(), await Task.WhenAll(workers.Select(w => w.CountsAsync())));
        var total = created.Count;
        var perOrch = counts.ToDictionary(c => c.Key, c => c.Value / (double)total, StringComparer.Ordinal);

        // Throughput: completions inside the measuring window; latency: instances scheduled inside it.
        var windowDone = completedAt.Values.Count(t => t >= measureFrom && t < stopAt);
        var latencies = completedAt.Where(c => created[c.Key] >= measureFrom && created[c.Key] < stopAt)
            .Select(c => (c.Value - created[c.Key]).TotalMilliseconds).Order().ToList();
        return new HelloResult(
            workers.Count,
            total,
            windowDone / (stopAt - measureFrom).TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            latencies.Count,
            perOrch);
    }

    private async Task<(int Activities, double Seconds, double ActivitiesPerSec, double TransactionsPerActivity)> FanOutAsync(DurableClient client, RequestCounter clientCounter, TableClient observer, List<WorkerProcess> workers)
    {
        foreach (var w in workers)
        {
            await w.ResetCountsAsync();
        }

        clientCounter.Reset();
        var watcher = new CompletionWatcher(observer, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1));
        var ids = await Task.WhenAll(Enumerable.Range(0, settings.FanOuts).Select(_ => client.ScheduleNewAsync(Workloads.FanOut, Workloads.FanOutWidth)));
        var pending = new HashSet<string>(ids, StringComparer.Ordinal);
        DateTimeOffset first = DateTimeOffset.MaxValue, last = DateTimeOffset.MinValue;
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException("Fan-out orchestrations did not complete within 3 minutes.");
            }

            await Task.Delay(settings.PollMilliseconds);
            foreach (var (id, c, d) in await watcher.PollAsync())
            {
                if (pending.Remove(id))
                {
                    first = c < first ? c : first;
                    last = d > last ? d : last;
                }
            }
        }

        var counts = Merge(clientCounter.Snapshot(), await Task.WhenAll(workers.Select(w => w.CountsAsync())));
        var activities = settings.FanOuts * Workloads.FanOutWidth;
        var seconds = (last - first).TotalSeconds;
        return (activities, seconds, activities / seconds, counts.Values.Sum() / (double)activities);
    }

    private static Dictionary<string, long> Merge(IReadOnlyDictionary<string, long> client, IEnumerable<Dictionary<string, long>> workers)
    {
        var all = new Dictionary<string, long>(client, StringComparer.Ordinal);
        foreach (var w in workers)
        {
            foreach (var (k, v) in w)
            {
                all[k] = all.GetValueOrDefault(k) + v;
            }
        }

        return all;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static void Print(HelloResult r) =>
        Console.WriteLine($"   {r.OrchestrationsPerSec:F1} orchestrations/s ({3 * r.OrchestrationsPerSec:F0} activities/s); start-to-completion p50 {r.P50Ms:F0} ms, p99 {r.P99Ms:F0} ms ({r.LatencySamples} samples; {r.Total} orchestrations in all)");

    internal static string F(double v) => v.ToString("F0", CultureInfo.InvariantCulture);

    internal static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 3) : -1;

    internal static void Table(string[] header, params string[][] rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Length == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => "   " + string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        Console.WriteLine(Line(header));
        Console.WriteLine("   " + string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in rows)
        {
            Console.WriteLine(Line(r));
        }
    }

    private sealed record HelloResult(int Workers, int Total, double OrchestrationsPerSec, double P50Ms, double P99Ms, int LatencySamples, Dictionary<string, double> PerOrchestration)
    {
        public JsonObject ToJson() => new()
        {
            ["workerProcesses"] = Workers,
            ["orchestrations"] = Total,
            ["orchestrationsPerSec"] = Round(OrchestrationsPerSec),
            ["activitiesPerSec"] = Round(3 * OrchestrationsPerSec),
            ["latencyP50Ms"] = Round(P50Ms),
            ["latencyP99Ms"] = Round(P99Ms),
            ["latencySamples"] = LatencySamples,
            ["transactionsPerOrchestration"] = Round(PerOrchestration.Values.Sum()),
        };
    }

    /// <summary>
    /// Finds completed instances with one small query per poll (not counted: it is the benchmark's, not the runtime's).
    /// Filters on the server-stamped Timestamp of the write, with a margin, and remembers what it has seen.
    /// </summary>
    private sealed class CompletionWatcher(TableClient table, DateTimeOffset since)
    {
        private static readonly string[] Columns = ["PartitionKey", "CreatedAt", "CompletedAt", "Status", "Timestamp"];
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private DateTimeOffset _since = since;

        public async Task<List<(string Id, DateTimeOffset Created, DateTimeOffset Completed)>> PollAsync()
        {
            var found = new List<(string, DateTimeOffset, DateTimeOffset)>();
            var filter = TableClient.CreateQueryFilter($"RowKey eq 'state' and Timestamp ge {_since} and CompletedAt ge {_since - TimeSpan.FromMinutes(10)}");
            var newest = _since;
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: Columns))
            {
                var stamp = row.Timestamp ?? _since;
                newest = stamp > newest ? stamp : newest;
                if (row.GetString("Status") != nameof(OrchestrationStatus.Completed))
                {
                    throw new InvalidOperationException($"Instance {row.PartitionKey} ended {row.GetString("Status")}.");
                }

                if (_seen.Add(row.PartitionKey))
                {
                    found.Add((row.PartitionKey, row.GetDateTimeOffset("CreatedAt")!.Value, row.GetDateTimeOffset("CompletedAt")!.Value));
                }
            }

            _since = newest - TimeSpan.FromSeconds(1);
            return found;
        }
    }
}

public sealed class BenchSettings
{
    public double BaselineSeconds { get; init; } = 3;

    public int InFlight { get; init; } = 32;

    public double HelloWarmupSeconds { get; init; } = 2;

    public double HelloSeconds { get; init; } = 12;

    public int FanOuts { get; init; } = 3;

    public int IdleSeconds { get; init; } = 30;

    public int PollMilliseconds { get; init; } = 50;
}
