using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tier2.Functions.Resellers;
using Tier2.Standalone.Hosting;

namespace Tier2.Bench;

/// <summary>
/// <c>bench.sh http</c>: the real app on the standalone host (its own process, as <c>scripts/run.sh</c> runs it) under
/// N concurrent connections for a fixed time: <c>GET /api/resellers/{id}</c> and <c>GET /api/customers?resellerId=</c>,
/// against Azurite's raw point-read rate at the same concurrency, measured before and after in the same run.
/// </summary>
public sealed class HttpBench(string connection, DurablePaths paths, int concurrency, double seconds)
{
    public async Task<JsonObject> RunAsync()
    {
        var prefix = "h" + Guid.NewGuid().ToString("N")[..10];
        var hub = "http" + Guid.NewGuid().ToString("N")[..10];
        var env = Tier2AppSettings.Create(connection, prefix, hub, "__");
        await using var host = await HostProcess.StartAsync(paths.StandaloneDll, paths.Tier2App, env);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tier2AppSettings.ProviderAdminToken());

        var resellerId = await CreateResellerAsync(prefix, hub);
        Console.WriteLine($"== HTTP load: {concurrency} concurrent connections, 2 s warm-up + {seconds} s per figure; reseller {resellerId}");

        var before = await PointReadsAsync(TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"   Azurite point reads ({concurrency} concurrent): {before.PerSec:F0}/s, p99 {before.P99Ms:F1} ms");
        var reseller = await LoadAsync(host, $"/api/resellers/{resellerId}");
        Console.WriteLine($"   GET /api/resellers/{{id}}: {reseller.PerSec:F0}/s, p99 {reseller.P99Ms:F1} ms, {reseller.Errors} errors");
        var customers = await LoadAsync(host, $"/api/customers?resellerId={resellerId}");
        Console.WriteLine($"   GET /api/customers?resellerId=: {customers.PerSec:F0}/s, p99 {customers.P99Ms:F1} ms, {customers.Errors} errors");
        var after = await PointReadsAsync(TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"   Azurite point reads again: {after.PerSec:F0}/s, p99 {after.P99Ms:F1} ms");
        var raw = (before.PerSec + after.PerSec) / 2;
        Console.WriteLine($"   ratio to the point-read rate (mean of both): resellers {reseller.PerSec / raw:F2}, customers {customers.PerSec / raw:F2} (target >= 0.8)");

        return new JsonObject
        {
            ["concurrency"] = concurrency,
            ["secondsPerFigure"] = seconds,
            ["host"] = "standalone host process (bench/Tier2.Bench.Host = Tier2.Standalone entry point; --app <Tier2.Functions Release build output>)",
            ["azuritePointReadsPerSec"] = new JsonArray(DurableBench.Round(before.PerSec), DurableBench.Round(after.PerSec)),
            ["azuritePointReadP99Ms"] = new JsonArray(DurableBench.Round(before.P99Ms), DurableBench.Round(after.P99Ms)),
            ["getReseller"] = reseller.ToJson(raw),
            ["listCustomersOfReseller"] = customers.ToJson(raw),
        };
    }

    /// <summary>A partnered (Active) reseller, created through the app's own <see cref="ResellerStore"/> (as the invite flow leaves it).</summary>
    private async Task<string> CreateResellerAsync(string prefix, string hub)
    {
        // The app's container, built (not started) in this process on the same settings: only for its ResellerStore.
        await using var app = StandaloneHost.Build(new StandaloneHostOptions
        {
            AppAssembly = typeof(ResellerStore).Assembly,
            MetadataFolder = paths.Tier2App,
            LoadLocalSettings = false,
            ConfigureBeforeApp = b => b.Configuration.AddInMemoryCollection(Tier2AppSettings.Create(connection, prefix, hub).Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))),
        });
        var store = app.Services.GetRequiredService<ResellerStore>();
        var id = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await store.CreateAsync(
                    new Reseller
                    {
                        Id = id,
                        CompanyName = "Bench Reseller",
                        MpnId = "7654321",
                        TenantId = Guid.NewGuid(),
                        ContactName = "Pat Doe",
                        ContactEmail = $"pat@{id[..8]}.example",
                        InvitedEmail = $"partners@{id[..8]}.example",
                        Status = ResellerStatus.PendingActivation,
                        CreatedAt = DateTimeOffset.UtcNow,
                    },
                    "bench",
                    CancellationToken.None);
                await store.ChangeStatusAsync(id, ResellerStatus.PendingActivation, ResellerStatus.Active, "bench", null, CancellationToken.None);
                return id;
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200); // the host creates its tables in the background as it starts
            }
        }
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

    private async Task<Figure> PointReadsAsync(TimeSpan duration)
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

    private sealed record Figure(double PerSec, double P99Ms, double P50Ms, long Errors)
    {
        public JsonObject ToJson(double raw) => new()
        {
            ["requestsPerSec"] = DurableBench.Round(PerSec),
            ["p50Ms"] = DurableBench.Round(P50Ms),
            ["p99Ms"] = DurableBench.Round(P99Ms),
            ["errors"] = Errors,
            ["ratioToPointReads"] = DurableBench.Round(PerSec / raw),
            ["target"] = 0.8,
        };
    }
}
