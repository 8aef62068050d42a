using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Tier2.Bench;

/// <summary>
/// <c>bench.sh http</c>: the real app on the standalone host (its own process, as <c>scripts/run.sh</c> runs it) under
/// N concurrent connections for a fixed time: <c>GET /api/resellers/{id}</c> and <c>GET /api/customers?resellerId=</c>,
/// against Azurite's raw point-read rate at the same concurrency, measured before and after in the same run.
/// </summary>
public sealed class HttpBench(string connection, DurablePaths paths, int concurrency, double seconds, int rounds)
{
    public async Task<JsonObject> RunAsync()
    {
        var prefix = "h" + Guid.NewGuid().ToString("N")[..10];
        var hub = "http" + Guid.NewGuid().ToString("N")[..10];
        var env = Tier2AppSettings.Create(connection, prefix, hub, "__");
        await using var host = await HostProcess.StartAsync(paths.StandaloneDll, paths.Tier2App, env);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tier2AppSettings.ProviderAdminToken());

        var resellerId = await BenchReseller.CreateAsync(connection, paths.Tier2App, prefix, hub, Guid.NewGuid());
        Console.WriteLine($"== HTTP load: {concurrency} concurrent connections, {rounds} interleaved rounds of 2 s warm-up + {seconds} s per figure; reseller {resellerId}");

        // Interleaved rounds (point reads, resellers, customers, ...), so that the machine's noise (shared, 2 cores) hits
        // all three alike; the ratio is taken per round, the median reported.
        var raw = new List<Figure>();
        var resellers = new List<Figure>();
        var customers = new List<Figure>();
        for (var round = 0; round < rounds; round++)
        {
            raw.Add(await PointReadsAsync());
            resellers.Add(await LoadAsync(host, $"/api/resellers/{resellerId}"));
            customers.Add(await LoadAsync(host, $"/api/customers?resellerId={resellerId}"));
            Console.WriteLine($"   round {round + 1}: Azurite point reads {raw[^1].PerSec:F0}/s (p99 {raw[^1].P99Ms:F1} ms); GET /api/resellers/{{id}} {resellers[^1].PerSec:F0}/s (p99 {resellers[^1].P99Ms:F1} ms, {resellers[^1].Errors} errors); GET /api/customers?resellerId= {customers[^1].PerSec:F0}/s (p99 {customers[^1].P99Ms:F1} ms, {customers[^1].Errors} errors)");
        }

        var resellerRatio = Median(resellers.Select((f, i) => f.PerSec / raw[i].PerSec));
        var customerRatio = Median(customers.Select((f, i) => f.PerSec / raw[i].PerSec));
        Console.WriteLine($"   median ratio to the same round's point-read rate: resellers {resellerRatio:F2}, customers {customerRatio:F2} (target >= 0.8)");

        JsonObject Summary(List<Figure> figures, double? ratio) => new()
        {
            ["requestsPerSecMedian"] = DurableBench.Round(Median(figures.Select(f => f.PerSec))),
            ["p99MsMedian"] = DurableBench.Round(Median(figures.Select(f => f.P99Ms))),
            ["p50MsMedian"] = DurableBench.Round(Median(figures.Select(f => f.P50Ms))),
            ["errors"] = figures.Sum(f => f.Errors),
            ["perRound"] = new JsonArray([.. figures.Select(f => (JsonNode)new JsonObject { ["requestsPerSec"] = DurableBench.Round(f.PerSec), ["p99Ms"] = DurableBench.Round(f.P99Ms) })]),
            ["ratioToPointReadsMedian"] = ratio is null ? null : DurableBench.Round(ratio.Value),
        };

        return new JsonObject
        {
            ["concurrency"] = concurrency,
            ["rounds"] = rounds,
            ["secondsPerFigure"] = seconds,
            ["host"] = "standalone host process (functions/Tier2.Standalone with the app's Release build output)",
            ["azuritePointReads"] = Summary(raw, null),
            ["getReseller"] = Summary(resellers, resellerRatio),
            ["listCustomersOfReseller"] = Summary(customers, customerRatio),
            ["target"] = 0.8,
        };
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private async Task<Figure> LoadAsync(HostProcess host, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = host.Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = host.Client.DefaultRequestHeaders.Authorization;
        var uri = new Uri(path, UriKind.Relative);
        using (var first = await client.GetAsync(uri))
        {
            if (!first.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {path}: {(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
            }
        }

        long errors = 0;
        return await MeasureAsync(async () =>
        {
            using var response = await client.GetAsync(uri);
            await response.Content.LoadIntoBufferAsync();
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
            }
        }) with { Errors = Interlocked.Read(ref errors) };
    }

    private async Task<Figure> PointReadsAsync()
    {
        var table = new TableServiceClient(connection).GetTableClient("httpbaseline" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        var row = new TableEntity("p", "r") { ["CompanyName"] = "Bench Reseller", ["Status"] = "Active", ["MpnId"] = "7654321", ["ContactEmail"] = "pat@bench.example" };
        await table.UpsertEntityAsync(row);
        try
        {
            return await MeasureAsync(async () => await table.GetEntityAsync<TableEntity>("p", "r"));
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    /// <summary><see cref="concurrency"/> loops of <paramref name="op"/>: 2 s unmeasured, then <see cref="seconds"/> measured.</summary>
    private async Task<Figure> MeasureAsync(Func<Task> op)
    {
        var latencies = new List<double>[concurrency];
        var warmUntil = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
        var stopAt = warmUntil + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= stopAt)
                {
                    return;
                }

                await op();
                if (t0 >= warmUntil)
                {
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new Figure(all.Count / seconds, all.Count == 0 ? double.NaN : all[Math.Clamp((int)Math.Ceiling(0.99 * all.Count) - 1, 0, all.Count - 1)], all.Count == 0 ? double.NaN : all[all.Count / 2], 0);
    }

    private sealed record Figure(double PerSec, double P99Ms, double P50Ms, long Errors);
}
