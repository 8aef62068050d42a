using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// The function app's assemblies, as its own deps.json resolves them, beside the host's. An assembly the host
/// carries at the same or a newer version is shared (the host's copy: the types that cross between host and app,
/// such as <c>DurableTaskClient</c>, <c>HttpRequest</c> or <c>IServiceCollection</c>, must be one type); one the host
/// lacks, or carries at an older version, is the app's own. So the app runs with the versions it was built with,
/// as it does in its own process under the Functions host.
/// </summary>
internal sealed class FunctionAppLoadContext(string appDll) : AssemblyLoadContext($"function app {Path.GetFileNameWithoutExtension(appDll)}")
{
    private static readonly Dictionary<string, Version?> HostAssemblies = ReadHostAssemblies();
    private readonly AssemblyDependencyResolver _resolver = new(appDll);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && HostAssemblies.TryGetValue(name, out var hostVersion)
            && (assemblyName.Version is null || hostVersion is null || hostVersion >= assemblyName.Version))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>The app's copy of <paramref name="assemblyName"/>, or null when the app does not carry it.</summary>
    public Assembly? TryLoad(AssemblyName assemblyName) =>
        _resolver.ResolveAssemblyToPath(assemblyName) is not null ? LoadFromAssemblyName(assemblyName) : null;

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? NativeLibrary.Load(path) : IntPtr.Zero;

    // The host's trusted platform assemblies: the shared frameworks and the host's own dependencies.
    private static Dictionary<string, Version?> ReadHostAssemblies()
    {
        var assemblies = new Dictionary<string, Version?>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                var name = AssemblyName.GetAssemblyName(path);
                if (name.Name is { } simple)
                {
                    assemblies[simple] = name.Version;
                }
            }
            catch (BadImageFormatException)
            {
                // A native image in the list: not an assembly.
            }
        }

        return assemblies;
    }
}
