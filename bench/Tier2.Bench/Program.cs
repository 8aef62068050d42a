using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tier2.Bench;

// Usage (scripts/bench.sh drives it; paths are build outputs):
//   Tier2.Bench durable   --storage <conn> --standalone <Tier2.Standalone.dll> --bench-app <dir> --tier2-app <dir> --out <durable.json> [--quick] [--tune]
//   Tier2.Bench http      --storage <conn> --standalone <Tier2.Standalone.dll> --tier2-app <dir> --out <http.json> [--concurrency 32] [--seconds 5] [--rounds 3]
//   Tier2.Bench partnercenter --storage <conn> --standalone <Tier2.Standalone.dll> --tier2-app <dir> --partner-center <Tier2.LocalPartnerCenter.dll> --out <partnercenter.json> [--quick] [--in-flight 16] [--latency-ms 300]
//   Tier2.Bench coldstart --app <published app> --host <published Tier2.Standalone> --baseline <dir> --storage <conn> --out <coldstart.json> [--runs 7]
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Tier2.Bench durable|http|partnercenter|coldstart [options] (see scripts/bench.sh)");
    return 2;
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        options[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
    }
}

string Required(string name) => options.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required.");
int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
DurablePaths Paths() => new(Required("standalone"), options.GetValueOrDefault("bench-app") ?? "", Required("tier2-app"));

switch (args[0])
{
    case "durable":
    {
        var settings = options.ContainsKey("quick")
            ? new BenchSettings { BaselineSeconds = 1, HelloSeconds = 4, HelloWarmupSeconds = 2, SweepSeconds = 4, CostSeconds = 3, FanOuts = 1, IdleSettleSeconds = 11, IdleSeconds = 10 }
            : new BenchSettings();
        var result = await new DurableBench(Required("storage"), Paths(), settings).RunAsync(options.ContainsKey("tune"));
        await WriteAsync(Required("out"), result);
        return 0;
    }

    case "http":
    {
        var result = await new HttpBench(Required("storage"), Paths(), Int("concurrency", 32), Int("seconds", 5), Int("rounds", 3)).RunAsync();
        await WriteAsync(Required("out"), result);
        return 0;
    }

    case "partnercenter":
    {
        var quick = options.ContainsKey("quick");
        var settings = new PartnerCenterBenchSettings
        {
            InFlight = Int("in-flight", quick ? 12 : 16),
            LightInFlight = quick ? 0 : 4,
            LatencyMs = Int("latency-ms", 300),
            WarmupSeconds = quick ? 15 : 60,
            Seconds = quick ? 60 : 180,
            BaselineWarmupSeconds = quick ? 5 : 15,
            BaselineSeconds = quick ? 20 : 60,
        };
        var result = await new PartnerCenterBench(Required("storage"), Paths(), Required("partner-center"), settings).RunAsync();
        await WriteAsync(Required("out"), result);
        return result["throttled429"]!.GetValue<int>() == 0 ? 0 : 1; // a 429 means the client's limiter let too much through
    }

    case "coldstart":
    {
        var result = await new ColdStartBench(Required("storage"), Int("runs", 7)).RunAsync(Required("app"), Required("host"), Required("baseline"), options.GetValueOrDefault("variant"));
        await WriteAsync(Required("out"), result);
        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return 2;
}

static async Task WriteAsync(string path, JsonObject result)
{
    result["writtenAt"] = DateTimeOffset.UtcNow;
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    await File.WriteAllTextAsync(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    Console.WriteLine($"\nwrote {path}");
}
