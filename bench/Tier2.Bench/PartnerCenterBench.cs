using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Tier2.Bench;

/// <summary>How long and how hard <c>bench.sh partnercenter</c> runs, and how the local Partner Center behaves.</summary>
public sealed class PartnerCenterBenchSettings
{
    /// <summary>Orders kept in flight (a new one submitted as each completes).</summary>
    public int InFlight { get; init; } = 16;

    /// <summary>Orders in flight for the documented run's second, light load (below what the limiter allows, so its
    /// latency is Partner Center's round trips without queueing); 0 skips it.</summary>
    public int LightInFlight { get; init; } = 4;

    /// <summary>The documented run: unmeasured start (at least this long, and until the first
    /// <see cref="InFlight"/> orders completed: a cold host on a loaded machine takes tens of seconds for its first
    /// ones), then the measured window. A window longer than a minute, so a sliding minute fits inside it.</summary>
    public double WarmupSeconds { get; init; } = 60;

    public double Seconds { get; init; } = 180;

    /// <summary>The baselines (no latency, no limit; Partner Center Disabled): shorter, they only give the ratio's other side.</summary>
    public double BaselineWarmupSeconds { get; init; } = 15;

    public double BaselineSeconds { get; init; } = 60;

    /// <summary>
    /// Added by the local Partner Center to every API answer. ASSUMED: FACTS.md documents no latency figure for Partner
    /// Center; 300 ms is a round-trip figure of the order commonly seen for a REST call to a Microsoft cloud API from
    /// another region, chosen for the bench, not a measured or documented value.
    /// </summary>
    public double LatencyMs { get; init; } = 300;

    /// <summary>The server's limit on /v1/customers/** per partner tenant: "500 requests per minute per tenant
    /// identifier" for the customer, order and subscription resources (FACTS 2.3 [K:customer-resources]).</summary>
    public int RateLimitPerMinute { get; init; } = 500;

    /// <summary>Checkout to subscription ids on the local server (its default; real provisioning time is not documented).</summary>
    public double ProvisioningDelayMs { get; init; } = 1000;

    public int PollMilliseconds { get; init; } = 100;

    /// <summary>No completion for this long fails the run (the limiter queues, so it is generous).</summary>
    public double StallSeconds { get; init; } = 180;
}

/// <summary>
/// <c>bench.sh partnercenter</c>: the real app on the standalone host, Partner Center Enabled and connected (the
/// connect flow through the app's API) to a local Partner Center process with a latency on every call and the
/// documented 500 requests a minute; a reseller partnered there; orders for new customers with the reseller as partner
/// of record through <c>POST /api/orders</c> + submit, <see cref="PartnerCenterBenchSettings.InFlight"/> kept in
/// flight. Reports orders completed per minute, schedule-to-completion p50/p99, the local server's requests per order
/// and per minute, the most requests in any sliding 60 s against the 500 ceiling, and the 429s it answered (the
/// client's limiter must keep that at 0). Baselines in the same run: the same onboarding with no latency and no limit
/// (server or client), and the rows-only onboarding (Partner Center Disabled). Sandbox limits (75 customers) are
/// off on the local server: the bench creates more customers than the integration sandbox allows.
/// </summary>
public sealed class PartnerCenterBench(string connection, DurablePaths paths, string localPartnerCenterDll, PartnerCenterBenchSettings settings)
{
    private const string ClientSecret = "bench-partner-center-secret";

    private static readonly TimeSpan SlidingWindow = TimeSpan.FromMinutes(1);

    private readonly string _token = Tier2AppSettings.ProviderAdminToken();

    /// <summary>One configuration of a run.</summary>
    private sealed record Config(string Key, string Description, int InFlight, bool PartnerCenter, double LatencyMs, int ServerLimit, bool ClientLimitOff, double WarmupSeconds, double Seconds);

    public async Task<JsonObject> RunAsync()
    {
        var documentedDescription = $"Partner Center Enabled, latency {settings.LatencyMs:F0} ms per call (assumed), server limit {settings.RateLimitPerMinute}/min per tenant (documented), client limiter as the sample's settings";
        var configs = new List<Config>
        {
            new("baselineNoLatencyNoLimit", "Partner Center Enabled, latency 0, no rate limit (server's off; client's 500 per second, i.e. off)", settings.InFlight, true, 0, 0, true, settings.BaselineWarmupSeconds, settings.BaselineSeconds),
            new("documented", documentedDescription, settings.InFlight, true, settings.LatencyMs, settings.RateLimitPerMinute, false, settings.WarmupSeconds, settings.Seconds),
        };
        if (settings.LightInFlight > 0)
        {
            configs.Add(new("documentedLight", documentedDescription + "; light load", settings.LightInFlight, true, settings.LatencyMs, settings.RateLimitPerMinute, false, settings.BaselineWarmupSeconds, settings.BaselineSeconds));
        }

        configs.Add(new("baselineDisabled", "Partner Center Disabled: the rows-only onboarding (no Partner Center call)", settings.InFlight, false, 0, 0, false, settings.BaselineWarmupSeconds, settings.BaselineSeconds));

        var result = new JsonObject
        {
            ["what"] = "CustomerOnboarding of the real app (standalone host, host.json as committed) through POST /api/orders + submit, for a reseller partnered on a local Partner Center process; one line (o365-e3, 1 licence, P1M monthly) per order",
            ["machine"] = new JsonObject { ["processors"] = Environment.ProcessorCount, ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
            ["loadAverageAtStart"] = LoadAverage(),
            ["inFlight"] = settings.InFlight,
            ["latencyMsAssumed"] = settings.LatencyMs,
            ["rateLimitPerMinutePerTenant"] = settings.RateLimitPerMinute,
            ["provisioningDelayMs"] = settings.ProvisioningDelayMs,
            ["sandboxLimits"] = false,
        };

        var runs = new JsonObject();
        foreach (var config in configs)
        {
            Console.WriteLine($"\n== {config.Key}: {config.Description}; {config.InFlight} in flight, at least {config.WarmupSeconds:F0} s and {config.InFlight} completions unmeasured, then {config.Seconds:F0} s measured");
            runs[config.Key] = await RunOneAsync(config);
        }

        result["runs"] = runs;
        var documented = runs["documented"]!;
        var baseline = runs["baselineNoLatencyNoLimit"]!;
        var disabled = runs["baselineDisabled"]!;
        double Value(JsonNode run, string name) => run[name]!.GetValue<double>();
        double Ratio(JsonNode a, JsonNode b, string name) => DurableBench.Round(Value(a, name) > 0 && Value(b, name) > 0 ? Value(a, name) / Value(b, name) : double.NaN);
        var ratios = new JsonObject
        {
            ["ordersPerMinuteDocumentedToNoLatencyNoLimit"] = Ratio(documented, baseline, "ordersPerMinute"),
            ["p50DocumentedToNoLatencyNoLimit"] = Ratio(documented, baseline, "latencyP50Ms"),
            ["ordersPerMinuteDocumentedToDisabled"] = Ratio(documented, disabled, "ordersPerMinute"),
            ["p50DocumentedToDisabled"] = Ratio(documented, disabled, "latencyP50Ms"),
            ["ordersPerMinuteNoLatencyNoLimitToDisabled"] = Ratio(baseline, disabled, "ordersPerMinute"),
            ["p50NoLatencyNoLimitToDisabled"] = Ratio(baseline, disabled, "latencyP50Ms"),
        };
        if (runs["documentedLight"] is { } light)
        {
            ratios["p50DocumentedLightToNoLatencyNoLimit"] = Ratio(light, baseline, "latencyP50Ms");
        }

        result["ratios"] = ratios;
        result["loadAverageAtEnd"] = LoadAverage();

        Console.WriteLine("\n== summary");
        DurableBench.Table(
            ["run", "in flight", "orders/min", "p50 ms", "p99 ms", "PC req/order", "limited req/min", "max in 60 s", "429s"],
            [.. configs.Select(c =>
            {
                var r = runs[c.Key]!;
                var pc = r["partnerCenter"];
                return new[]
                {
                    c.Key, c.InFlight.ToString(CultureInfo.InvariantCulture), Value(r, "ordersPerMinute").ToString("F1", CultureInfo.InvariantCulture), DurableBench.F(Value(r, "latencyP50Ms")), DurableBench.F(Value(r, "latencyP99Ms")),
                    pc is null ? "-" : Value(pc, "requestsPerOrder").ToString("F2", CultureInfo.InvariantCulture),
                    pc is null ? "-" : DurableBench.F(Value(pc, "limitedRequestsPerMinuteInWindow")),
                    pc is null ? "-" : pc["maxLimitedRequestsInAnySliding60s"]!.ToString(),
                    pc is null ? "-" : pc["throttled429"]!.ToString(),
                };
            })]);
        Console.WriteLine($"   ratios: {ratios.ToJsonString()}");
        // The figure the bench exists for: the client's limiter kept every minute under the documented ceiling.
        var throttled = documented["partnerCenter"]!["throttled429"]!.GetValue<int>();
        result["throttled429"] = throttled;
        Console.WriteLine(throttled == 0
            ? $"   0 requests over the limit: the local Partner Center answered no 429 (most rate-limited requests in any sliding 60 s: {documented["partnerCenter"]!["maxLimitedRequestsInAnySliding60s"]} of {settings.RateLimitPerMinute})"
            : $"   FAILED: the local Partner Center answered {throttled} requests with 429: the client's limiter let more than {settings.RateLimitPerMinute} a minute through");
        return result;
    }

    private async Task<JsonObject> RunOneAsync(Config config)
    {
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];
        var hub = "pc" + Guid.NewGuid().ToString("N")[..10];
        var port = CountingProxy.FreePort();
        var env = Tier2AppSettings.Create(connection, prefix, hub, "__");
        env["Tier2__PublicBaseUrl"] = $"http://127.0.0.1:{port}/api"; // the connect flow's callback comes back here

        HostProcess? pc = null;
        if (config.PartnerCenter)
        {
            pc = await HostProcess.StartLocalPartnerCenterAsync(localPartnerCenterDll, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["LocalPartnerCenter__Latency"] = TimeSpan.FromMilliseconds(config.LatencyMs).ToString("c", CultureInfo.InvariantCulture),
                ["LocalPartnerCenter__RateLimitPerTenant"] = config.ServerLimit.ToString(CultureInfo.InvariantCulture),
                ["LocalPartnerCenter__ProvisioningDelay"] = TimeSpan.FromMilliseconds(settings.ProvisioningDelayMs).ToString("c", CultureInfo.InvariantCulture),
                ["LocalPartnerCenter__SandboxLimits"] = "false", // more than the sandbox's 75 customers
                ["LocalPartnerCenter__ClientSecret"] = ClientSecret,
                ["Logging__LogLevel__Default"] = "Warning",
            });
            var endpoints = await pc.Client.GetFromJsonAsync<JsonObject>(new Uri("/_local/endpoints", UriKind.Relative)) ?? throw new InvalidOperationException("no /_local/endpoints");
            env["PartnerCenter__Mode"] = "Enabled";
            env["PartnerCenter__BaseUrl"] = pc.Address.AbsoluteUri;
            env["PartnerCenter__TokenEndpoint"] = endpoints["tokenEndpoint"]!.GetValue<string>();
            env["PartnerCenter__AuthorizeEndpoint"] = endpoints["authorizeEndpoint"]!.GetValue<string>();
            env["PartnerCenter__TenantId"] = endpoints["tenantId"]!.GetValue<string>();
            env["PartnerCenter__ClientId"] = endpoints["clientId"]!.GetValue<string>();
            env["PartnerCenter__ClientSecret"] = ClientSecret;
            if (config.ClientLimitOff)
            {
                // The client's limiter cannot be switched off; 500 per second is far above anything this machine sends.
                env["PartnerCenter__RequestsPerMinute"] = "500";
                env["PartnerCenter__RateLimitWindow"] = "00:00:01";
            }
        }

        try
        {
            await using var host = await HostProcess.StartAsync(paths.StandaloneDll, paths.Tier2App, env, port);
            host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            string? resellerId = null;
            if (pc is not null)
            {
                var tenantId = Guid.NewGuid();
                resellerId = await BenchReseller.CreateAsync(connection, paths.Tier2App, prefix, hub, tenantId);
                using var seeded = await pc.Client.PostAsJsonAsync(new Uri("/_local/resellers", UriKind.Relative), new { tenantId, mpnId = BenchReseller.MpnId, name = "Bench Reseller" });
                seeded.EnsureSuccessStatusCode();
                await ConnectAsync(host);
            }

            var run = await KeepInFlightAsync(host, hub, resellerId, config);
            var verified = await VerifyAsync(host, run.OrderIds, config.PartnerCenter);
            var json = new JsonObject
            {
                ["description"] = config.Description,
                ["latencyMs"] = config.LatencyMs,
                ["serverRateLimitPerMinute"] = config.ServerLimit,
                ["clientRequestsPerMinute"] = env.GetValueOrDefault("PartnerCenter__RequestsPerMinute"),
                ["clientRateLimitWindow"] = env.GetValueOrDefault("PartnerCenter__RateLimitWindow", "00:01:00 (default)"),
                ["inFlight"] = config.InFlight,
                ["warmupSeconds"] = DurableBench.Round((run.MeasureFrom - run.Begin).TotalSeconds),
                ["seconds"] = config.Seconds,
                ["orders"] = run.OrderIds.Count,
                ["ordersCompletedInWindow"] = run.CompletedInWindow,
                ["ordersPerMinute"] = DurableBench.Round(run.CompletedInWindow / (config.Seconds / 60)),
                ["latencyP50Ms"] = DurableBench.Round(DurableBench.Percentile(run.Latencies, 0.50)),
                ["latencyP99Ms"] = DurableBench.Round(DurableBench.Percentile(run.Latencies, 0.99)),
                ["latencySamples"] = run.Latencies.Count,
                ["ordersVerifiedCompleted"] = verified,
            };
            Console.WriteLine($"   {json["ordersPerMinute"]} orders/min ({run.CompletedInWindow} in {config.Seconds:F0} s after {json["warmupSeconds"]} s unmeasured); schedule-to-completion p50 {DurableBench.F(DurableBench.Percentile(run.Latencies, 0.50))} ms, p99 {DurableBench.F(DurableBench.Percentile(run.Latencies, 0.99))} ms ({run.Latencies.Count} samples; {run.OrderIds.Count} orders in all, {verified} verified Completed{(pc is null ? "" : " with Partner Center ids")})");
            if (pc is not null)
            {
                json["partnerCenter"] = await PartnerCenterFiguresAsync(pc, run, config);
            }

            return json;
        }
        finally
        {
            if (pc is not null)
            {
                await pc.DisposeAsync();
            }
        }
    }

    /// <summary>The provider's account connected as a provider admin would (README step 0): the connect flow through the
    /// app's API, the local server's authorize endpoint signing the integration user in, the callback storing the token.</summary>
    private static async Task ConnectAsync(HostProcess host)
    {
        using var start = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/partner-center/connect", UriKind.Relative));
        start.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var started = await host.Client.SendAsync(start);
        var body = await started.Content.ReadAsStringAsync();
        if (!started.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /api/partner-center/connect: {(int)started.StatusCode} {body}");
        }

        var authorize = new Uri(JsonDocument.Parse(body).RootElement.GetProperty("authorizeUrl").GetString()!);
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
        using var signedIn = await browser.GetAsync(authorize);
        var callback = signedIn.Headers.Location ?? throw new InvalidOperationException($"authorize: {(int)signedIn.StatusCode} without a Location");
        using var completed = await browser.GetAsync(callback);
        if (!completed.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"connect callback: {(int)completed.StatusCode} {await completed.Content.ReadAsStringAsync()}");
        }

        var status = await host.Client.GetFromJsonAsync<JsonObject>(new Uri("/api/partner-center/connection", UriKind.Relative));
        if (status?["connected"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"not connected after the connect flow: {status}");
        }
    }

    private sealed record InFlightRun(List<string> OrderIds, int CompletedInWindow, List<double> Latencies, DateTimeOffset Begin, DateTimeOffset MeasureFrom, DateTimeOffset StopAt);

    /// <summary>
    /// Keeps the configuration's orders in flight (a new one submitted as each completes) for the warm-up (its time, and
    /// until as many orders completed as are in flight) plus the window, then lets the last ones finish. Completions and latencies come from DTFx's instance
    /// table, as in <c>durable</c>: <c>CreatedTime</c> (the submit schedules the orchestration) to <c>LastUpdatedTime</c>
    /// of the Completed row.
    /// </summary>
    private async Task<InFlightRun> KeepInFlightAsync(HostProcess host, string hub, string? resellerId, Config config)
    {
        var watcher = new CompletionWatcher(new TableServiceClient(connection).GetTableClient(hub + "Instances"), DateTimeOffset.UtcNow - TimeSpan.FromSeconds(5));
        var begin = DateTimeOffset.UtcNow;
        DateTimeOffset? measureFrom = null;
        var stopAt = DateTimeOffset.MaxValue;
        var orders = new List<string>();
        var created = new HashSet<string>(StringComparer.Ordinal);
        var done = new Dictionary<string, (DateTimeOffset Created, DateTimeOffset Completed)>(StringComparer.Ordinal);

        async Task StartAsync(int count)
        {
            var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
                DurableBench.SubmitOrderAsync(host.Client, DurableBench.OrderBody("c" + Guid.NewGuid().ToString("N")[..10], resellerId))));
            orders.AddRange(ids);
            created.UnionWith(ids.Select(id => "order-" + id));
        }

        await StartAsync(config.InFlight);
        var pending = config.InFlight;
        var progress = Stopwatch.StartNew();
        var report = Stopwatch.StartNew();
        while (pending > 0)
        {
            if (progress.Elapsed > TimeSpan.FromSeconds(settings.StallSeconds))
            {
                throw new TimeoutException($"No order of hub {hub} completed for {settings.StallSeconds:F0} s ({pending} in flight, {done.Count} done). Host output: {host.Output[^Math.Min(3000, host.Output.Length)..]}");
            }

            await Task.Delay(settings.PollMilliseconds);
            var found = (await watcher.PollAsync()).Where(f => created.Contains(f.Id) && !done.ContainsKey(f.Id)).ToList();
            if (report.Elapsed > TimeSpan.FromSeconds(30))
            {
                Console.WriteLine($"   ... {(DateTimeOffset.UtcNow - begin).TotalSeconds:F0} s: {done.Count} completed, {pending} in flight");
                report.Restart();
            }

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
            var now = DateTimeOffset.UtcNow;
            if (measureFrom is null && done.Count >= config.InFlight && now >= begin + TimeSpan.FromSeconds(config.WarmupSeconds))
            {
                measureFrom = now;
                stopAt = now + TimeSpan.FromSeconds(config.Seconds);
            }

            if (now < stopAt)
            {
                await StartAsync(found.Count);
                pending += found.Count;
            }
        }

        var from = measureFrom ?? throw new InvalidOperationException("The run ended before its measured window began.");
        var completedInWindow = done.Values.Count(t => t.Completed >= from && t.Completed < stopAt);
        var latencies = done.Values.Where(t => t.Created >= from && t.Created < stopAt)
            .Select(t => (t.Completed - t.Created).TotalMilliseconds).Order().ToList();
        return new InFlightRun(orders, completedInWindow, latencies, begin, from, stopAt);
    }

    /// <summary>Every order ended Completed (an orchestration that completes may have failed the order), with its Partner
    /// Center customer and order when Partner Center is on. Returns how many; throws on the first that did not.</summary>
    private static async Task<int> VerifyAsync(HostProcess host, List<string> orderIds, bool partnerCenter)
    {
        using var gate = new SemaphoreSlim(8);
        var checks = orderIds.Select(async id =>
        {
            await gate.WaitAsync();
            try
            {
                var order = await host.Client.GetFromJsonAsync<JsonObject>(new Uri($"/api/orders/{id}", UriKind.Relative));
                var status = order?["status"]?.ToString();
                var pcOrders = order?["partnerCenter"]?["orderIds"]?.AsArray().Count ?? 0;
                if (status != "Completed" || (partnerCenter && (order?["partnerCenter"]?["customerId"] is null || pcOrders != 1)))
                {
                    throw new InvalidOperationException($"order {id} ended {status} ({order?["failureReason"]}; Partner Center: {order?["partnerCenter"]?.ToJsonString()})");
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(checks);
        return orderIds.Count;
    }

    /// <summary>
    /// From the local server's request log (every API call it received, with its answer) and its state: requests per
    /// order and per minute, the rate-limited ones (/v1/customers/**: customers, their orders and subscriptions), the
    /// most of those in any sliding 60 s, the 429s, and exactly one customer, order and subscription per Tier2 order.
    /// </summary>
    private async Task<JsonObject> PartnerCenterFiguresAsync(HostProcess pc, InFlightRun run, Config config)
    {
        using var log = JsonDocument.Parse(await pc.Client.GetStringAsync(new Uri("/_local/requests", UriKind.Relative)));
        var requests = log.RootElement.EnumerateArray().Select(r => (
            Method: r.GetProperty("method").GetString()!,
            Path: r.GetProperty("path").GetString()!,
            Status: r.GetProperty("status").GetInt32(),
            At: r.GetProperty("receivedAt").GetDateTimeOffset())).ToList();
        var state = await pc.Client.GetFromJsonAsync<JsonObject>(new Uri("/_local/state", UriKind.Relative));
        static bool Limited(string path) => path.StartsWith("/v1/customers", StringComparison.OrdinalIgnoreCase);
        var limited = requests.Where(r => Limited(r.Path)).Select(r => r.At).Order().ToList();
        var all = requests.Select(r => r.At).Order().ToList();
        var minutes = config.Seconds / 60;
        var orders = run.OrderIds.Count;
        bool InWindow(DateTimeOffset at) => at >= run.MeasureFrom && at < run.StopAt;
        var byCall = requests.GroupBy(r => $"{r.Method} {Template(r.Path)}").OrderByDescending(g => g.Count())
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)DurableBench.Round(g.Count() / (double)orders)));
        var throttled = requests.Count(r => r.Status == 429);
        var maxLimited = MaxInSlidingWindow(limited);
        var figures = new JsonObject
        {
            ["requests"] = requests.Count,
            ["requestsPerOrder"] = DurableBench.Round(requests.Count / (double)orders),
            ["limitedRequestsPerOrder"] = DurableBench.Round(limited.Count / (double)orders),
            ["requestsPerMinuteInWindow"] = DurableBench.Round(all.Count(InWindow) / minutes),
            ["limitedRequestsPerMinuteInWindow"] = DurableBench.Round(limited.Count(InWindow) / minutes),
            ["maxLimitedRequestsInAnySliding60s"] = maxLimited,
            ["maxRequestsInAnySliding60s"] = MaxInSlidingWindow(all),
            ["ceilingPerMinute"] = config.ServerLimit,
            ["throttled429"] = throttled,
            ["ordersPerMinuteAtTheDocumentedCeiling"] = DurableBench.Round(settings.RateLimitPerMinute / (limited.Count / (double)orders)),
            ["perOrderByCall"] = new JsonObject(byCall),
            ["state"] = state,
        };
        Console.WriteLine($"   Partner Center: {requests.Count} requests ({figures["requestsPerOrder"]} per order, {figures["limitedRequestsPerOrder"]} of them rate-limited); in the window {figures["requestsPerMinuteInWindow"]}/min, rate-limited {figures["limitedRequestsPerMinuteInWindow"]}/min; most rate-limited in any sliding 60 s: {maxLimited} (ceiling {(config.ServerLimit == 0 ? "off" : config.ServerLimit)}); 429s: {throttled}");
        Console.WriteLine($"   per order: " + string.Join(", ", byCall.Select(k => $"{k.Key} {k.Value}")));
        Console.WriteLine($"   local Partner Center state: {state?.ToJsonString()}");
        var customers = state?["customers"]?.GetValue<int>();
        var pcOrders = state?["orders"]?.GetValue<int>();
        if (customers != orders || pcOrders != orders)
        {
            throw new InvalidOperationException($"{orders} Tier2 orders left {customers} customers and {pcOrders} orders on the local Partner Center (one each expected).");
        }

        return figures;
    }

    /// <summary>The most timestamps in any half-open minute (t - 60 s, t].</summary>
    private static int MaxInSlidingWindow(List<DateTimeOffset> sorted)
    {
        var max = 0;
        var first = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            while (sorted[i] - sorted[first] >= SlidingWindow)
            {
                first++;
            }

            max = Math.Max(max, i - first + 1);
        }

        return max;
    }

    /// <summary>A path with its ids replaced (segments holding a digit or a dot, after /v1): /v1/customers/{id}/carts/{id}.</summary>
    private static string Template(string path) =>
        string.Join('/', path.Split('/').Select((s, i) => i > 1 && s.Any(c => char.IsDigit(c) || c == '.') ? "{id}" : s));

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
