using System.Text.Json;
using System.Text.Json.Nodes;
using Tier2.Bench;

// Usage (scripts/bench.sh drives it):
//   Tier2.Bench durable   --storage <connection string> --host-json <host.json> --out <durable.json> [--quick]
//   Tier2.Bench coldstart --app <dir> --baseline <dir> --storage <connection string> --out <coldstart.json> [--runs 7]
//   Tier2.Bench worker    --storage <connection string> --hub <hub> --host-json <host.json>   (started by "durable")
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Tier2.Bench durable|coldstart|worker [options] (see scripts/bench.sh)");
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

switch (args[0])
{
    case "worker":
        return await WorkerMode.RunAsync(Required("storage"), Required("hub"), Required("host-json"));
    case "durable":
    {
        var settings = options.ContainsKey("quick")
            ? new BenchSettings { BaselineSeconds = 1, HelloSeconds = 4, HelloWarmupSeconds = 1, FanOuts = 1, IdleSeconds = 10 }
            : new BenchSettings();
        var result = await new DurableBench(Required("storage"), Required("host-json"), settings).RunAsync();
        await WriteAsync(Required("out"), result);
        return 0;
    }

    case "coldstart":
    {
        var runs = options.TryGetValue("runs", out var r) ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 7;
        var result = await new ColdStartBench(Required("storage"), runs).RunAsync(Required("app"), Required("baseline"), options.GetValueOrDefault("variant"));
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
