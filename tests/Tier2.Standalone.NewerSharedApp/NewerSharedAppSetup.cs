using Microsoft.Extensions.Hosting;

namespace Tier2.Standalone.NewerSharedApp;

/// <summary>The convention method, on Microsoft.Extensions.Hosting.Abstractions 11's builder.</summary>
public static class NewerSharedAppSetup
{
    /// <summary>Registers nothing: start-up must stop before it is called.</summary>
    public static void ConfigureFunctionApp(IHostApplicationBuilder builder) => ArgumentNullException.ThrowIfNull(builder);
}
