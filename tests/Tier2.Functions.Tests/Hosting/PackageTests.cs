using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>
/// The deployable zip (scripts/package.sh) is a standard isolated worker: the Functions host finds every function
/// with the bindings the code declares, the host-side extensions, and nothing of the old custom handler.
/// </summary>
public sealed class PackageTests
{
    private static readonly Lazy<string> Package = new(BuildPackage);

    [Fact]
    public void The_package_lists_every_function_of_the_app_with_its_trigger_and_bindings()
    {
        using var zip = ZipFile.OpenRead(Package.Value);
        using var metadata = JsonDocument.Parse(Read(zip, "functions.metadata"));
        var listed = metadata.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray().Select(b => b.GetProperty("type").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase));

        var problems = new List<string>();
        foreach (var (name, method) in Functions())
        {
            if (!listed.TryGetValue(name, out var bindings))
            {
                problems.Add($"{name}: not in functions.metadata");
                continue;
            }

            foreach (var expected in ExpectedBindings(method))
            {
                if (!bindings.Contains(expected))
                {
                    problems.Add($"{name}: no {expected} binding (has {string.Join(", ", bindings)})");
                }
            }
        }

        problems.AddRange(listed.Keys.Except(Functions().Select(f => f.Name)).Select(extra => $"{extra}: listed but not in the code"));
        Assert.Empty(problems);
        Assert.True(listed.Count >= 50, $"only {listed.Count} functions listed");
    }

    [Fact]
    public void Timer_schedules_are_setting_references_so_a_changed_setting_reaches_the_host()
    {
        using var zip = ZipFile.OpenRead(Package.Value);
        using var metadata = JsonDocument.Parse(Read(zip, "functions.metadata"));
        var schedules = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "timerTrigger")
            .Select(b => b.GetProperty("schedule").GetString()!)
            .ToList();

        Assert.Equal(8, schedules.Count);
        Assert.All(schedules, s => Assert.Matches("^%(Reconciliation|PartnerCenter):[A-Za-z]+Schedule%$", s));
    }

    [Fact]
    public void The_package_is_an_isolated_worker_with_its_extensions_and_nothing_of_the_custom_handler()
    {
        using var zip = ZipFile.OpenRead(Package.Value);
        var names = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);

        using var worker = JsonDocument.Parse(Read(zip, "worker.config.json"));
        Assert.Equal("dotnet-isolated", worker.RootElement.GetProperty("description").GetProperty("language").GetString());
        Assert.Contains("Tier2.Functions.dll", names);
        Assert.Contains(".azurefunctions/Microsoft.Azure.WebJobs.Extensions.DurableTask.dll", names);
        Assert.Contains(".azurefunctions/DurableTask.AzureStorage.dll", names);

        using var host = JsonDocument.Parse(Read(zip, "host.json"));
        Assert.False(host.RootElement.TryGetProperty("customHandler", out _), "host.json still configures a custom handler");
        Assert.False(host.RootElement.TryGetProperty("extensionBundle", out _), "an isolated .NET app brings its extensions in .azurefunctions/, not a bundle");
        Assert.Equal("api", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.False(string.IsNullOrEmpty(host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString()));

        Assert.DoesNotContain(names, n => n.EndsWith("function.json", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.Contains("Tier2.Durable", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.EndsWith("local.settings.json", StringComparison.Ordinal));
    }

    private static IEnumerable<(string Name, MethodInfo Method)> Functions() =>
        typeof(Tier2App).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Attribute: m.GetCustomAttribute<FunctionAttribute>(), Method: m))
            .Where(f => f.Attribute is not null)
            .Select(f => (f.Attribute!.Name, f.Method));

    /// <summary>The bindings the Functions host must know of, from the parameters' attributes.</summary>
    private static IEnumerable<string> ExpectedBindings(MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            foreach (var attribute in parameter.GetCustomAttributes())
            {
                switch (attribute.GetType().Name)
                {
                    case nameof(HttpTriggerAttribute):
                        yield return "httpTrigger";
                        yield return "http";
                        break;
                    case "OrchestrationTriggerAttribute":
                        yield return "orchestrationTrigger";
                        break;
                    case "ActivityTriggerAttribute":
                        yield return "activityTrigger";
                        break;
                    case "DurableClientAttribute":
                        yield return "durableClient";
                        break;
                    case nameof(TimerTriggerAttribute):
                        yield return "timerTrigger";
                        break;
                }
            }
        }
    }

    private static string Read(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The zip scripts/package.sh made (scripts/test.sh makes it first); made again here when it is missing or older than the app's build.</summary>
    private static string BuildPackage()
    {
        var root = Repository.Root;
        var zip = Path.Combine(root, "artifacts", "package", "tier2-functions.zip");
        if (File.Exists(zip) && File.GetLastWriteTimeUtc(zip) >= File.GetLastWriteTimeUtc(Path.Combine(TestApp.AppFolder, "functions.metadata")))
        {
            return zip;
        }

        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "package.sh")]) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/package.sh failed: {output.Result}{error.Result}");
        }

        return zip;
    }
}
