using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Tier2.Bench;

/// <summary>Where the host and the apps are (build outputs).</summary>
public sealed record DurablePaths(string StandaloneDll, string BenchApp, string Tier2App);

/// <summary>A named set of <c>extensions.durableTask</c> overrides (environment variables of the host processes).</summary>
public sealed record DurableConfig(string Name, Dictionary<string, string> Settings)
{
    public const string Prefix = "AzureFunctionsJobHost__extensions__durableTask__";

    public Dictionary<string, string> Environment() =>
        Settings.ToDictionary(kv => Prefix + kv.Key.Replace(".", "__", StringComparison.Ordinal), kv => kv.Value, StringComparer.Ordinal);

    public JsonObject ToJson() => new(Settings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}

/// <summary>
/// <c>bench.sh durable</c>: one run against one Azurite. Storage baseline; the hello sequence and the real
/// CustomerOnboarding orchestration on the standalone host (DTFx + the Azure Storage provider) with 1 and 2 host
/// processes; fan-out/fan-in; storage transactions per activity call (counting proxy); idle requests.
/// </summary>
public sealed class DurableBench(string connection, DurablePaths paths, BenchSettings settings)
{
    /// <summary>host.json as committed: no overrides.</summary>
    public static readonly DurableConfig AsHostJson = new("host.json as committed", []);

    /// <summary>The recommended settings (see bench/README.md: chosen by the sweep of <c>--tune</c>).</summary>
    public static readonly DurableConfig Tuned = new("tuned", new()
    {
        ["maxConcurrentOrchestratorFunctions"] = "32",
        ["maxConcurrentActivityFunctions"] = "32",
        ["extendedSessionsEnabled"] = "true",
        ["extendedSessionIdleTimeoutInSeconds"] = "30",
        ["storageProvider.partitionCount"] = "2",
        ["storageProvider.useTablePartitionManagement"] = "true",
    });

    private static Dictionary<string, string> With(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["maxConcurrentOrchestratorFunctions"] = "32",
            ["maxConcurrentActivityFunctions"] = "32",
            ["extendedSessionsEnabled"] = "true",
            ["extendedSessionIdleTimeoutInSeconds"] = "30",
        };
        foreach (var (k, v) in extra)
        {
            settings[k] = v;
        }

        return settings;
    }

    /// <summary>The candidates of <c>--tune</c> (one host, hello sequence each, on a fresh hub; controlQueueBatchSize is already DTFx's maximum, 32).</summary>
    public static readonly DurableConfig[] Sweep =
    [
        AsHostJson,
        new("concurrency 32/32", new() { ["maxConcurrentOrchestratorFunctions"] = "32", ["maxConcurrentActivityFunctions"] = "32" }),
        new("32/32 + extended sessions", With()),
        new("32/32 + ext. sessions + 2 partitions", With(("storageProvider.partitionCount", "2"))),
        new("32/32 + ext. sessions + 1 partition", With(("storageProvider.partitionCount", "1"))),
        new("32/32 + ext. sessions + 2 partitions + table partition manager", With(("storageProvider.partitionCount", "2"), ("storageProvider.useTablePartitionManagement", "true"))),
        new("... + maxQueuePollingInterval 1 s", With(("storageProvider.partitionCount", "2"), ("storageProvider.useTablePartitionManagement", "true"), ("storageProvider.maxQueuePollingInterval", "00:00:01"))),
        new("... + controlQueueBufferThreshold 256", With(("storageProvider.partitionCount", "2"), ("storageProvider.useTablePartitionManagement", "true"), ("storageProvider.controlQueueBufferThreshold", "256"))),
    ];

    private readonly string _token = Tier2AppSettings.ProviderAdminToken();

    public async Task<JsonObject> RunAsync(bool tune)
    {
        const int concurrency = 24; // the old bench's (batchSize 16 + newBatchThreshold 8), so the two runs compare
        var result = new JsonObject
        {
            ["engine"] = "Tier2.Standalone: DTFx TaskHubWorker + AzureStorageOrchestrationService (the Durable Functions Azure Storage provider)",
            ["machine"] = new JsonObject { ["processors"] = Environment.ProcessorCount, ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
        };

        Console.WriteLine($"== storage baseline ({concurrency} concurrent requests per kind, {settings.BaselineSeconds} s each)");
        var baseline = await Baseline.MeasureAsync(connection, "b" + Guid.NewGuid().ToString("N")[..8], concurrency, TimeSpan.FromSeconds(settings.BaselineSeconds));
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

        if (tune)
        {
            var sweep = new JsonArray();
            Console.WriteLine($"\n== tuning sweep: hello sequence, 1 host, {settings.InFlight} in flight, {settings.HelloWarmupSeconds} s warm-up + {settings.SweepSeconds} s, fresh hub each");
            var rows = new List<string[]>();
            foreach (var config in Sweep)
            {
                RunResult r;
                try
                {
                    r = await HelloRunAsync(config, hosts: 1, seconds: settings.SweepSeconds);
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                {
                    Console.WriteLine($"   {config.Name}: FAILED {e.Message[..Math.Min(300, e.Message.Length)]}");
                    sweep.Add(new JsonObject { ["config"] = config.Name, ["settings"] = config.ToJson(), ["failed"] = e.Message[..Math.Min(600, e.Message.Length)] });
                    continue;
                }

                rows.Add([config.Name, r.OrchestrationsPerSec.ToString("F1", CultureInfo.InvariantCulture), F(r.P50Ms), F(r.P99Ms)]);
                Console.WriteLine($"   {config.Name}: {r.OrchestrationsPerSec:F1}/s, p50 {r.P50Ms:F0} ms, p99 {r.P99Ms:F0} ms");
                var json = r.ToJson();
                json["config"] = config.Name;
                json["settings"] = config.ToJson();
                sweep.Add(json);
            }

            Table(["settings", "orch/s", "p50 ms", "p99 ms"], [.. rows]);
            result["tuningSweep"] = sweep;
        }

        // Hello sequence: the committed host.json and the tuned settings, 1 and 2 host processes each.
        var hello = new JsonObject();
        foreach (var config in new[] { AsHostJson, Tuned })
        {
            foreach (var hosts in new[] { 1, 2 })
            {
                Console.WriteLine($"\n== hello sequence (3 activities), {config.Name}, {hosts} host process(es), {settings.InFlight} in flight, {settings.HelloWarmupSeconds} s warm-up + {settings.HelloSeconds} s");
                var key = $"{(config == Tuned ? "tuned" : "hostJson")}{hosts}Host{(hosts > 1 ? "s" : "")}";
                try
                {
                    var r = await HelloRunAsync(config, hosts, settings.HelloSeconds);
                    Print(r);
                    hello[key] = r.ToJson();
                }
                catch (TimeoutException e)
                {
                    Console.WriteLine($"   STALLED: {e.Message}");
                    hello[key] = new JsonObject { ["stalled"] = e.Message[..Math.Min(600, e.Message.Length)] };
                }
            }
        }

        result["tunedSettings"] = Tuned.ToJson();
        result["hello"] = hello;

        // Fan-out/fan-in (tuned, 1 host).
        Console.WriteLine($"\n== fan-out/fan-in of {settings.FanOutWidth} activities x {settings.FanOuts}, tuned, 1 host");
        result["fanOut"] = await FanOutAsync(Tuned);

        // The real onboarding orchestration of the Tier2 app (tuned, 1 and 2 hosts).
        var onboarding = new JsonObject();
        foreach (var hosts in new[] { 1, 2 })
        {
            Console.WriteLine($"\n== CustomerOnboarding (the real app: POST /api/orders + POST /api/orders/{{id}}/submit), tuned, {hosts} host process(es), {settings.OnboardingInFlight} in flight, {settings.HelloWarmupSeconds} s warm-up + {settings.HelloSeconds} s");
            var key = $"tuned{hosts}Host{(hosts > 1 ? "s" : "")}";
            try
            {
                var r = await OnboardingRunAsync(Tuned, hosts, null);
                Print(r);
                onboarding[key] = r.ToJson();
            }
            catch (TimeoutException e)
            {
                Console.WriteLine($"   STALLED: {e.Message}");
                onboarding[key] = new JsonObject { ["stalled"] = e.Message[..Math.Min(600, e.Message.Length)] };
            }
        }

        result["onboarding"] = onboarding;

        // Storage transactions: every request of the hosts through the counting proxy (scheduling included).
        await using var proxy = await CountingProxy.StartAsync(connection);
        var costs = new JsonObject();
        foreach (var config in new[] { AsHostJson, Tuned })
        {
            Console.WriteLine($"\n== storage transactions, hello sequence, {config.Name}, 1 host through the counting proxy");
            var r = await HelloRunAsync(config, 1, settings.CostSeconds, proxy);
            costs[config == Tuned ? "helloTuned" : "helloHostJson"] = Costs(r, 3);
        }

        Console.WriteLine("\n== storage transactions, CustomerOnboarding, tuned, 1 host through the counting proxy");
        var onb = await OnboardingRunAsync(Tuned, 1, proxy);
        costs["onboardingTuned"] = Costs(onb, onb.ActivitiesPerOrchestration);
        result["transactions"] = costs;

        // Idle: 2 hosts of the bench app, no work, every request counted.
        var idle = new JsonObject();
        foreach (var config in new[] { AsHostJson, Tuned })
        {
            idle[config == Tuned ? "tuned" : "hostJson"] = await IdleAsync(config, proxy);
        }

        result["idle"] = idle;
        return result;
    }

    private static JsonObject Costs(RunResult r, double activities)
    {
        var total = r.PerOrchestration.Values.Sum();
        var empty = r.PerOrchestration.GetValueOrDefault(CountingProxy.QueueIdle);
        Table(["kind", "per orchestration", "per activity call"], [.. r.PerOrchestration.OrderByDescending(k => k.Value).Select(k => new[] { k.Key, k.Value.ToString("F2", CultureInfo.InvariantCulture), (k.Value / activities).ToString("F2", CultureInfo.InvariantCulture) })]);
        Console.WriteLine($"   total {total:F2} per orchestration = {total / activities:F2} per activity call ({activities:F0} activities); without empty receives {(total - empty) / activities:F2}; {r.OrchestrationsPerSec:F1} orch/s through the proxy");
        return new JsonObject
        {
            ["orchestrations"] = r.Total,
            ["activitiesPerOrchestration"] = activities,
            ["perOrchestration"] = Round(total),
            ["perActivityCall"] = Round(total / activities),
            ["perActivityCallWithoutEmptyReceives"] = Round((total - empty) / activities),
            ["byKindPerOrchestration"] = new JsonObject(r.PerOrchestration.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => KeyValuePair.Create(k.Key, (JsonNode?)Round(k.Value)))),
            ["orchestrationsPerSecThroughProxy"] = Round(r.OrchestrationsPerSec),
        };
    }

    private static Dictionary<string, string> BenchAppEnvironment(DurableConfig config, string hub, string storage)
    {
        var env = config.Environment();
        env["AzureWebJobsStorage"] = storage;
        env[DurableConfig.Prefix + "hubName"] = hub;
        env["Logging__LogLevel__Default"] = "Warning";
        env["AzureFunctionsJobHost__logging__logLevel__DurableTask.AzureStorage"] = "Warning";
        return env;
    }

    private async Task<RunResult> HelloRunAsync(DurableConfig config, int hosts, double seconds, CountingProxy? proxy = null)
    {
        var hub = "hello" + Guid.NewGuid().ToString("N")[..10];
        var env = BenchAppEnvironment(config, hub, proxy?.ConnectionString ?? connection);
        var started = await Task.WhenAll(Enumerable.Range(0, hosts).Select(_ => HostProcess.StartAsync(paths.StandaloneDll, paths.BenchApp, env)));
        try
        {
            await SettleAsync(hosts);
            var next = 0;
            async Task<string[]> StartAsync(int count)
            {
                var host = started[Interlocked.Increment(ref next) % started.Length];
                using var response = await host.Client.PostAsync(new Uri($"/api/start/HelloSequence?count={count}", UriKind.Relative), null);
                var text = await response.Content.ReadAsStringAsync();
                return response.IsSuccessStatusCode ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries) : throw new InvalidOperationException($"start: {(int)response.StatusCode} {text}");
            }

            var r = await KeepInFlightAsync(hub, settings.InFlight, seconds, StartAsync, proxy, started);
            r.Activities = 3;
            return r;
        }
        finally
        {
            foreach (var h in started)
            {
                await h.DisposeAsync();
            }
        }
    }

    private async Task<RunResult> OnboardingRunAsync(DurableConfig config, int hosts, CountingProxy? proxy)
    {
        var hub = "onb" + Guid.NewGuid().ToString("N")[..10];
        var env = Tier2AppSettings.Create(proxy?.ConnectionString ?? connection, "b" + Guid.NewGuid().ToString("N")[..10], hub, "__");
        foreach (var (k, v) in config.Environment())
        {
            env[k] = v;
        }

        var started = await Task.WhenAll(Enumerable.Range(0, hosts).Select(_ => HostProcess.StartAsync(paths.StandaloneDll, paths.Tier2App, env)));
        foreach (var h in started)
        {
            h.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        try
        {
            await SettleAsync(hosts);
            var next = 0;
            async Task<string> StartOneAsync()
            {
                var host = started[Interlocked.Increment(ref next) % started.Length];
                return "order-" + await SubmitOrderAsync(host.Client, OrderBody("c" + Guid.NewGuid().ToString("N")[..10], null));
            }

            async Task<string[]> StartAsync(int count) => await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartOneAsync()));

            var r = await KeepInFlightAsync(hub, settings.OnboardingInFlight, settings.HelloSeconds, StartAsync, proxy, started);

            // Validate, CreateCustomer, CreateSubscription (one line), CreateAdminUser, Complete.
            r.Activities = 5;
            return r;
        }
        finally
        {
            foreach (var h in started)
            {
                await h.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// With several hosts, waits before any work until DTFx has spread the partitions (control queues) over them:
    /// a partition that changes owner while it holds messages stalls them for up to the lease time (the first runs,
    /// which scheduled at once, measured the rebalancing: p50 28 s, or one instance stuck for over 60 s).
    /// </summary>
    private async Task SettleAsync(int hosts)
    {
        if (hosts > 1)
        {
            Console.WriteLine($"   (waiting {settings.MultiHostSettleSeconds} s for the partitions to balance over {hosts} hosts)");
            await Task.Delay(TimeSpan.FromSeconds(settings.MultiHostSettleSeconds));
        }
    }

    /// <summary>
    /// The seed's New customer -> Review -> Submit through the app's API: <c>POST /api/orders</c>, then
    /// <c>POST /api/orders/{id}/submit</c> with the draft's ETag (202). Returns the order id (its orchestration is
    /// <c>order-{id}</c>).
    /// </summary>
    internal static async Task<string> SubmitOrderAsync(HttpClient client, Dictionary<string, object?> body)
    {
        using var created = await client.PostAsJsonAsync(new Uri("/api/orders", UriKind.Relative), body);
        var view = await created.Content.ReadAsStringAsync();
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/orders: {(int)created.StatusCode} {view}");
        }

        var id = JsonDocument.Parse(view).RootElement.GetProperty("id").GetString()!;
        using var submit = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/orders/{id}/submit", UriKind.Relative));
        submit.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag?.ToString() ?? "*");
        using var submitted = await client.SendAsync(submit);
        if ((int)submitted.StatusCode != 202)
        {
            throw new InvalidOperationException($"POST /api/orders/{id}/submit: {(int)submitted.StatusCode} {await submitted.Content.ReadAsStringAsync()}");
        }

        return id;
    }

    /// <summary>A new customer with one line (Office 365 E3, 1 licence, monthly), for <paramref name="resellerId"/> or the provider's own (null).</summary>
    internal static Dictionary<string, object?> OrderBody(string domainPrefix, string? resellerId) => new()
    {
        ["resellerId"] = resellerId,
        ["customer"] = new Dictionary<string, object?>
        {
            ["companyName"] = "Bench Co " + domainPrefix,
            ["domainPrefix"] = domainPrefix,
            ["email"] = "it@customer.example",
            ["culture"] = "en-US",
            ["language"] = "en",
            ["address"] = new Dictionary<string, object?> { ["addressLine1"] = "1 Main St", ["city"] = "Redmond", ["state"] = "WA", ["postalCode"] = "98052", ["country"] = "US" },
            ["contact"] = new Dictionary<string, object?> { ["firstName"] = "Ada", ["lastName"] = "Lovelace", ["email"] = "ada@customer.example", ["phoneNumber"] = "+1 425 555 0100" },
        },
        ["lineItems"] = new[] { new Dictionary<string, object?> { ["offerId"] = "o365-e3", ["quantity"] = 1, ["termDuration"] = "P1M", ["billingCycle"] = "monthly" } },
    };

    /// <summary>
    /// Keeps <paramref name="inFlight"/> orchestrations going (a new one as each completes) for a warm-up plus
    /// <paramref name="seconds"/>; completions and latencies come from the instance table (CreatedTime, and
    /// LastUpdatedTime of the Completed row), found by a small query every 50 ms (direct to Azurite, not counted).
    /// </summary>
    private async Task<RunResult> KeepInFlightAsync(string hub, int inFlight, double seconds, Func<int, Task<string[]>> start, CountingProxy? proxy, HostProcess[] hosts)
    {
        var instances = new TableServiceClient(connection).GetTableClient(hub + "Instances");
        proxy?.Reset();
        var created = new HashSet<string>(StringComparer.Ordinal);
        var done = new Dictionary<string, (DateTimeOffset Created, DateTimeOffset Completed)>(StringComparer.Ordinal);
        var begin = DateTimeOffset.UtcNow;
        var measureFrom = begin + TimeSpan.FromSeconds(settings.HelloWarmupSeconds);
        var stopAt = measureFrom + TimeSpan.FromSeconds(seconds);
        var watcher = new CompletionWatcher(instances, begin - TimeSpan.FromSeconds(5));

        foreach (var id in await start(inFlight))
        {
            created.Add(id);
        }

        var pending = inFlight;
        var progress = Stopwatch.StartNew();
        while (pending > 0)
        {
            if (progress.Elapsed > TimeSpan.FromSeconds(60))
            {
                var output = string.Join("\n--\n", hosts.Select(h => h.Output[^Math.Min(3000, h.Output.Length)..]));
                throw new TimeoutException($"No orchestration of hub {hub} completed for 60 s ({pending} of {created.Count} in flight, {done.Count} done). Host output: {output}");
            }

            await Task.Delay(settings.PollMilliseconds);
            var found = (await watcher.PollAsync()).Where(f => created.Contains(f.Id) && !done.ContainsKey(f.Id)).ToList();
            if (found.Count == 0)
            {
                continue;
            }

            progress.Restart();
            foreach (var (id, c, d) in found)
            {
                done[id] = (c, d);
            }

            pending -= found.Count;
            if (DateTimeOffset.UtcNow < stopAt)
            {
                foreach (var id in await start(found.Count))
                {
                    created.Add(id);
                }

                pending += found.Count;
            }
        }

        var counts = proxy?.Snapshot() ?? [];
        var perOrch = counts.ToDictionary(c => c.Key, c => c.Value / (double)created.Count, StringComparer.Ordinal);
        var windowDone = done.Values.Count(t => t.Completed >= measureFrom && t.Completed < stopAt);
        var latencies = done.Values.Where(t => t.Created >= measureFrom && t.Created < stopAt)
            .Select(t => (t.Completed - t.Created).TotalMilliseconds).Order().ToList();
        return new RunResult
        {
            Hosts = hosts.Length,
            Total = created.Count,
            OrchestrationsPerSec = windowDone / (stopAt - measureFrom).TotalSeconds,
            P50Ms = Percentile(latencies, 0.50),
            P99Ms = Percentile(latencies, 0.99),
            LatencySamples = latencies.Count,
            PerOrchestration = perOrch,
        };
    }

    private async Task<JsonObject> FanOutAsync(DurableConfig config)
    {
        var hub = "fan" + Guid.NewGuid().ToString("N")[..10];
        await using var host = await HostProcess.StartAsync(paths.StandaloneDll, paths.BenchApp, BenchAppEnvironment(config, hub, connection));
        var watcher = new CompletionWatcher(new TableServiceClient(connection).GetTableClient(hub + "Instances"), DateTimeOffset.UtcNow - TimeSpan.FromSeconds(5));
        using var response = await host.Client.PostAsync(new Uri($"/api/start/FanOutFanIn?count={settings.FanOuts}&input={settings.FanOutWidth}", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        var pending = new HashSet<string>((await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
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

        var activities = settings.FanOuts * settings.FanOutWidth;
        var secondsTaken = (last - first).TotalSeconds;
        Console.WriteLine($"   {activities / secondsTaken:F0} activities/s ({activities} activities in {secondsTaken:F2} s)");
        return new JsonObject
        {
            ["width"] = settings.FanOutWidth,
            ["orchestrations"] = settings.FanOuts,
            ["seconds"] = Round(secondsTaken),
            ["activitiesPerSec"] = Round(activities / secondsTaken),
        };
    }

    private async Task<JsonObject> IdleAsync(DurableConfig config, CountingProxy proxy)
    {
        var hub = "idle" + Guid.NewGuid().ToString("N")[..10];
        var env = BenchAppEnvironment(config, hub, proxy.ConnectionString);
        var hosts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => HostProcess.StartAsync(paths.StandaloneDll, paths.BenchApp, env)));
        try
        {
            // One hello sequence first, so the queues have been busy and then back off as after real work.
            using (var r = await hosts[0].Client.PostAsync(new Uri("/api/start/HelloSequence?count=4", UriKind.Relative), null))
            {
                r.EnsureSuccessStatusCode();
            }

            var settle = TimeSpan.FromSeconds(settings.IdleSettleSeconds);
            var window = TimeSpan.FromSeconds(settings.IdleSeconds);
            Console.WriteLine($"\n== idle: 2 host processes of the bench app, {config.Name}, {settle.TotalSeconds:F0} s to back off, then every storage request counted for {window.TotalSeconds:F0} s");
            await Task.Delay(settle);
            proxy.Reset();
            await Task.Delay(window);
            var counts = proxy.Snapshot();
            var total = counts.Values.Sum();
            Console.WriteLine($"   {total} requests in {window.TotalSeconds:F0} s: " + string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
            return new JsonObject
            {
                ["hostProcesses"] = 2,
                ["settleSeconds"] = settle.TotalSeconds,
                ["windowSeconds"] = window.TotalSeconds,
                ["requests"] = total,
                ["byKind"] = new JsonObject(counts.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value))),
            };
        }
        finally
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync();
            }
        }
    }

    internal static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static void Print(RunResult r) =>
        Console.WriteLine($"   {r.OrchestrationsPerSec:F1} orchestrations/s ({r.Activities * r.OrchestrationsPerSec:F0} activities/s); created-to-completed p50 {r.P50Ms:F0} ms, p99 {r.P99Ms:F0} ms ({r.LatencySamples} samples; {r.Total} orchestrations in all)");

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

    private sealed class RunResult
    {
        public int Hosts { get; init; }

        public int Total { get; init; }

        public double OrchestrationsPerSec { get; init; }

        public double P50Ms { get; init; }

        public double P99Ms { get; init; }

        public int LatencySamples { get; init; }

        public int Activities { get; set; } = 3;

        public double ActivitiesPerOrchestration => Activities;

        public Dictionary<string, double> PerOrchestration { get; init; } = [];

        public JsonObject ToJson() => new()
        {
            ["hostProcesses"] = Hosts,
            ["orchestrations"] = Total,
            ["orchestrationsPerSec"] = Round(OrchestrationsPerSec),
            ["activitiesPerSec"] = Round(Activities * OrchestrationsPerSec),
            ["latencyP50Ms"] = Round(P50Ms),
            ["latencyP99Ms"] = Round(P99Ms),
            ["latencySamples"] = LatencySamples,
        };
    }
}

public sealed class BenchSettings
{
    public double BaselineSeconds { get; init; } = 3;

    public int InFlight { get; init; } = 32;

    public int OnboardingInFlight { get; init; } = 32;

    public double HelloWarmupSeconds { get; init; } = 3;

    public double HelloSeconds { get; init; } = 12;

    public double SweepSeconds { get; init; } = 8;

    public double CostSeconds { get; init; } = 6;

    public int FanOuts { get; init; } = 3;

    public int FanOutWidth { get; init; } = 100;

    public int IdleSettleSeconds { get; init; } = 31;

    public int IdleSeconds { get; init; } = 30;

    public int PollMilliseconds { get; init; } = 50;

    public int MultiHostSettleSeconds { get; init; } = 45;
}
