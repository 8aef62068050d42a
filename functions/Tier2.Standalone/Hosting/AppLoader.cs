using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Hosting;
using Tier2.Standalone.Catalog;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// Loads the function app's assembly into a load context of its own (<see cref="FunctionAppLoadContext"/>), so
/// the types the host and the app share (DurableTask, the Functions worker abstractions, ASP.NET Core,
/// Microsoft.Extensions) are one copy while the app keeps its own newer copies of everything else, and finds the
/// app's <c>ConfigureFunctionApp(IHostApplicationBuilder)</c> convention method.
/// </summary>
internal static class AppLoader
{
    /// <summary>The convention method's name.</summary>
    public const string ConventionMethodName = "ConfigureFunctionApp";

    // One load context per app dll: tests start many hosts on the same app in one process.
    private static readonly ConcurrentDictionary<string, Lazy<Assembly>> Apps = new(StringComparer.Ordinal);

    /// <summary>The loaded app: its assembly and the folder holding functions.metadata and host.json.</summary>
    public sealed record LoadedApp(Assembly Assembly, string Folder);

    /// <summary>Loads the app named by <paramref name="options"/>.</summary>
    public static LoadedApp Load(StandaloneHostOptions options)
    {
        if (options.AppAssembly is { } given)
        {
            string folder = options.MetadataFolder
                ?? Path.GetDirectoryName(given.Location)
                ?? throw new StandaloneStartupException(
                    $"Cannot tell where {given.GetName().Name}'s functions.metadata is: set {nameof(StandaloneHostOptions.MetadataFolder)}.");
            return new LoadedApp(given, Path.GetFullPath(folder));
        }

        if (string.IsNullOrWhiteSpace(options.AppPath))
        {
            throw new StandaloneStartupException(
                "No function app given: pass --app <build output folder> or set TIER2_STANDALONE_APP.");
        }

        string path = Path.GetFullPath(options.AppPath);
        string appFolder = Directory.Exists(path) ? path : Path.GetDirectoryName(path)!;
        string dll = Directory.Exists(path) ? FindAppDll(path) : path;
        if (!File.Exists(dll))
        {
            throw new StandaloneStartupException($"Function app assembly not found: {dll}");
        }

        Assembly app = Apps.GetOrAdd(dll, static path => new Lazy<Assembly>(() =>
        {
            var context = new FunctionAppLoadContext(path);
            // Frameworks find the app by name in the default context (the web host's application name, MVC's
            // application parts): what the default context cannot find, the app's context answers.
            AssemblyLoadContext.Default.Resolving += (_, name) => context.TryLoad(name);
            return context.LoadFromAssemblyPath(path);
        })).Value;
        return new LoadedApp(app, Path.GetFullPath(options.MetadataFolder ?? appFolder));
    }

    /// <summary>Finds the single <c>ConfigureFunctionApp(IHostApplicationBuilder)</c> on a public static class.</summary>
    public static MethodInfo FindConventionMethod(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.Where(t => t is { IsPublic: true })!];
        }
        catch (FileLoadException e)
        {
            // The host loads one copy of each shared assembly (its own); the app was built against a newer one.
            throw new StandaloneStartupException(
                $"{assembly.GetName().Name} needs {e.FileName}, newer than the standalone host's copy: update the host's package version.", e);
        }

        List<MethodInfo> candidates = [.. types
            .Where(t => t is { IsAbstract: true, IsSealed: true })
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name == ConventionMethodName
                && m.GetParameters() is [{ } p] && p.ParameterType == typeof(IHostApplicationBuilder))];
        return candidates switch
        {
            [MethodInfo single] => single,
            [] => throw new StandaloneStartupException(
                $"{assembly.GetName().Name} has no public static {ConventionMethodName}(IHostApplicationBuilder) " +
                "method on a public static class: the standalone host registers the app's services through it."),
            _ => throw new StandaloneStartupException(
                $"{assembly.GetName().Name} has more than one {ConventionMethodName}(IHostApplicationBuilder): " +
                string.Join(", ", candidates.Select(m => m.DeclaringType!.FullName))),
        };
    }

    // The app dll is the scriptFile the Worker SDK names in functions.metadata; when that is missing,
    // the one dll with a matching .deps.json (the app's own, not its dependencies').
    private static string FindAppDll(string folder)
    {
        string metadata = Path.Combine(folder, FunctionCatalogFiles.MetadataFileName);
        if (File.Exists(metadata) && FunctionCatalogFiles.FirstScriptFile(metadata) is { } script)
        {
            return Path.GetFullPath(Path.Combine(folder, script));
        }

        string[] apps = [.. Directory.GetFiles(folder, "*.deps.json")
            .Select(d => Path.Combine(folder, Path.GetFileName(d)[..^".deps.json".Length] + ".dll"))
            .Where(File.Exists)];
        return apps is [string one]
            ? one
            : throw new StandaloneStartupException(
                $"Cannot tell which dll in {folder} is the function app: no {FunctionCatalogFiles.MetadataFileName} and {apps.Length} candidates.");
    }
}
