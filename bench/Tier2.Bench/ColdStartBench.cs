using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Tier2.Bench;

/// <summary>
/// <c>bench.sh coldstart</c>: process start to the first 200 from <c>GET /api/health</c>, for the standalone host
/// (published self-contained, ReadyToRun) running the published function app (<c>scripts/package.sh</c>) and a bare
/// Kestrel app published the same way as the host, runs interleaved (so machine noise hits both alike); medians and ratios.
/// Variants re-run the app with runtime knobs (environment only, same binaries) to show what each start-up setting buys.
/// </summary>
public sealed class ColdStartBench(string connection, int runs)
{
    // (name, extra environment): measured in the same run as the default, so the comparison is fair.
    private static readonly (string Name, Dictionary<string, string> Env)[] Variants =
    [
        ("app without ReadyToRun code (DOTNET_ReadyToRun=0)", new() { ["DOTNET_ReadyToRun"] = "0" }),
        ("app with TieredPGO off (DOTNET_TieredPGO=0)", new() { ["DOTNET_TieredPGO"] = "0" }),
        ("app with TieredCompilation off (DOTNET_TieredCompilation=0)", new() { ["DOTNET_TieredCompilation"] = "0" }),
    ];

    public async Task<JsonObject> RunAsync(string appDir, string hostDir, string baselineDir, string? variantFilter)
    {
        var app = Path.Combine(hostDir, "Tier2.Standalone");
        string[] appArgs = ["--app", Path.GetFullPath(appDir)];
        var baseline = Path.Combine(baselineDir, "ColdStartBaseline");
        var appEnv = AppEnvironment();
        var variants = Variants.Where(v => variantFilter is null || v.Name.Contains(variantFilter, StringComparison.OrdinalIgnoreCase)).ToList();

        // One unmeasured start of each warms the OS file cache: every measured run then starts from the same (warm-disk) state.
        await StartOnceAsync(baseline, [], []);
        await StartOnceAsync(app, appArgs, appEnv);

        var baseTimes = new List<Sample>();
        var appTimes = new List<Sample>();
        var variantTimes = variants.Select(_ => new List<Sample>()).ToList();
        Console.WriteLine($"== cold start: process start -> first 200 from /api/health, {runs} runs each, interleaved");
        for (var i = 0; i < runs; i++)
        {
            baseTimes.Add(await StartOnceAsync(baseline, [], []));
            appTimes.Add(await StartOnceAsync(app, appArgs, appEnv));
            for (var v = 0; v < variants.Count; v++)
            {
                var env = new Dictionary<string, string>(appEnv);
                foreach (var (k, val) in variants[v].Env)
                {
                    env[k] = val;
                }

                variantTimes[v].Add(await StartOnceAsync(app, appArgs, env));
            }
        }

        var baseMedian = Median(baseTimes.Select(s => s.FirstOkMs));
        var rows = new List<string[]>();
        var result = new JsonObject { ["runs"] = runs, ["machineProcessors"] = Environment.ProcessorCount };
        JsonObject Entry(string name, List<Sample> samples)
        {
            var ok = Median(samples.Select(s => s.FirstOkMs));
            var listen = Median(samples.Select(s => s.ListeningMs));
            rows.Add([name, ok.ToString("F0", CultureInfo.InvariantCulture), listen.ToString("F0", CultureInfo.InvariantCulture), (ok / baseMedian).ToString("F2", CultureInfo.InvariantCulture)]);
            return new JsonObject
            {
                ["medianFirst200Ms"] = DurableBench.Round(ok),
                ["medianListeningMs"] = DurableBench.Round(listen),
                ["ratioToBaseline"] = DurableBench.Round(ok / baseMedian),
                ["samplesMs"] = new JsonArray([.. samples.Select(s => (JsonNode)DurableBench.Round(s.FirstOkMs))]),
            };
        }

        result["baseline"] = Entry("bare Kestrel baseline", baseTimes);
        result["app"] = Entry("Tier2.Standalone + Tier2.Functions (as packaged)", appTimes);
        var variantJson = new JsonObject();
        for (var v = 0; v < variants.Count; v++)
        {
            variantJson[variants[v].Name] = Entry(variants[v].Name, variantTimes[v]);
        }

        result["variants"] = variantJson;
        DurableBench.Table(["process", "median ms to first 200", "median ms to listening", "ratio to baseline"], [.. rows]);
        return result;
    }

    // The app's settings as the other modes use them (Tier2AppSettings), on a task hub and storage prefix of its own.
    private Dictionary<string, string> AppEnvironment() =>
        Tier2AppSettings.Create(connection, "cs" + Guid.NewGuid().ToString("N")[..10], "coldstart" + Guid.NewGuid().ToString("N")[..8], "__");

    private sealed record Sample(double FirstOkMs, double ListeningMs);

    private static async Task<Sample> StartOnceAsync(string executable, string[] args, Dictionary<string, string> env)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(executable, args)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri($"http://127.0.0.1:{port}/api/health");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        double listening = double.NaN;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{executable} exited with {process.ExitCode}: {output}");
                }

                if (double.IsNaN(listening))
                {
                    if (await IsListeningAsync(port))
                    {
                        listening = clock.Elapsed.TotalMilliseconds;
                    }
                    else
                    {
                        await Task.Delay(2);
                        continue;
                    }
                }

                try
                {
                    using var response = await http.GetAsync(url);
                    if ((int)response.StatusCode == 200)
                    {
                        return new Sample(clock.Elapsed.TotalMilliseconds, listening);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not ready yet.
                }

                await Task.Delay(2);
            }

            throw new TimeoutException($"{executable} did not answer 200 within 60 s: {output}");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
