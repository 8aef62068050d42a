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
        var listed = FunctionsMetadata.Parse(Read(zip, "functions.metadata")).ToDictionary(
            f => f.Name,
            f => f.Bindings.Select(b => b.Type).ToHashSet(StringComparer.OrdinalIgnoreCase));

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
        var schedules = FunctionsMetadata.Parse(Read(zip, "functions.metadata"))
            .SelectMany(f => f.Bindings)
            .Where(b => b.Type == "timerTrigger")
            .Select(b => b.Schedule)
            .ToList();

        Assert.Equal(8, schedules.Count);
        Assert.All(schedules, s => Assert.Matches("^%(Reconciliation|PartnerCenter):[A-Za-z]+Schedule%$", s));
    }

    [Fact]
    public void The_package_is_an_isolated_worker_with_its_extensions_and_nothing_of_the_custom_handler()
    {
        using var zip = ZipFile.OpenRead(Package.Value);
        var names = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);

        Assert.Equal("dotnet-isolated", Read<WorkerConfig>(zip, "worker.config.json").Description.Language);
        Assert.Contains("Tier2.Functions.dll", names);
        Assert.Contains(".azurefunctions/Microsoft.Azure.WebJobs.Extensions.DurableTask.dll", names);
        Assert.Contains(".azurefunctions/DurableTask.AzureStorage.dll", names);

        var host = Read<HostSettings>(zip, "host.json");
        Assert.True(host.CustomHandler is null, "host.json still configures a custom handler");
        Assert.True(host.ExtensionBundle is null, "an isolated .NET app brings its extensions in .azurefunctions/, not a bundle");
        Assert.Equal("api", host.Extensions?.Http?.RoutePrefix);
        Assert.False(string.IsNullOrEmpty(host.Extensions?.DurableTask?.HubName));

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

    /// <summary>The package's file <paramref name="name"/> as a <typeparamref name="T"/> (camelCase, as the Functions host reads it).</summary>
    private static T Read<T>(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package.");
        using var stream = entry.Open();
        return JsonSerializer.Deserialize<T>(stream, FunctionsMetadata.Options) ?? throw new InvalidOperationException($"{name} is null.");
    }

    private static string Read(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    /// <summary>worker.config.json: how the Functions host starts the worker.</summary>
    private sealed record WorkerConfig(WorkerDescription Description);

    private sealed record WorkerDescription(string Language);

    /// <summary>host.json (the subset these tests read; a section the host must not see is kept raw so its presence shows).</summary>
    private sealed record HostSettings(JsonElement? CustomHandler, JsonElement? ExtensionBundle, HostExtensions? Extensions);

    private sealed record HostExtensions(HttpExtension? Http, DurableTaskExtension? DurableTask);

    private sealed record HttpExtension(string? RoutePrefix);

    private sealed record DurableTaskExtension(string? HubName);

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
