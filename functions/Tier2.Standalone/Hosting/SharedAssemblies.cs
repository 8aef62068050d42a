using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// The assemblies whose types pass between the host and the app: the builder the app configures, the services it
/// registers, the HTTP request and results, the orchestration context, the durable client and its data converter,
/// the timer info. They must be one copy, the host's (<see cref="FunctionAppLoadContext"/> shares an assembly the host
/// carries at the app's version or a newer one). An app built against a newer version gets its own copy, whose types
/// are not the host's: it could not be configured or bound, so start-up names the assembly and both versions instead.
/// </summary>
internal static class SharedAssemblies
{
    /// <summary>A type of each shared assembly, as an example in the error.</summary>
    private static readonly Type[] Crossing =
    [
        typeof(IHostApplicationBuilder), typeof(IServiceCollection), typeof(IConfiguration), typeof(ILogger),
        typeof(HttpRequest), typeof(IResult), typeof(IActionResult),
        typeof(TaskOrchestrationContext), typeof(DurableTaskClient), typeof(TimerInfo),
    ];

    /// <summary>Fails when <paramref name="app"/> references a shared assembly at a newer version than the host's.</summary>
    /// <exception cref="StandaloneStartupException">Naming each such assembly, the app's version and the host's.</exception>
    public static void Check(Assembly app)
    {
        Dictionary<string, (Version? Version, Type Example)> host = new(StringComparer.OrdinalIgnoreCase);
        foreach (Type type in Crossing)
        {
            AssemblyName name = type.Assembly.GetName();
            host.TryAdd(name.Name!, (name.Version, type));
        }

        List<string> newer = [.. app.GetReferencedAssemblies()
            .Where(r => r.Name is not null && host.TryGetValue(r.Name, out var h) && r.Version is not null && h.Version is not null && r.Version > h.Version)
            .Select(r => $"{r.Name} {r.Version} (the host's is {host[r.Name!].Version}; {host[r.Name!].Example.Name} comes from it)")];
        if (newer.Count > 0)
        {
            throw new StandaloneStartupException(
                $"{app.GetName().Name} was built against a newer version of assemblies the standalone host and the app must share: " +
                $"{string.Join(", ", newer)}. Build the app against the host's versions (or older ones), or the host against the app's.");
        }
    }
}
