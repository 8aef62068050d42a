using Microsoft.Extensions.Hosting;

namespace Tier2.Bench.App;

/// <summary>The app's service registration (none: the functions are static), found by the standalone host by name.</summary>
public static class BenchAppSetup
{
    /// <summary>Registers the bench app's services.</summary>
    public static void ConfigureFunctionApp(IHostApplicationBuilder builder) => ArgumentNullException.ThrowIfNull(builder);
}
