using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Tier2.Functions;
using Tier2.Functions.Hosting;

// Composition root. Under the Functions host (func start, Azure) this is the isolated worker; the standalone host
// (functions/Tier2.Standalone) calls Tier2App.ConfigureFunctionApp itself and runs the same functions.
try
{
    if (Cli.IsCommand(args))
    {
        return await Cli.RunAsync(args);
    }

    var builder = FunctionsApplication.CreateBuilder(args);
    builder.ConfigureFunctionsWebApplication();
    Tier2App.ConfigureFunctionApp(builder);
    using var host = builder.Build();
    // Every setting is checked before anything starts, so the first thing a wrong setting produces is its name.
    host.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (HostingSetup.TryReportConfigurationError(ex, Console.Error))
{
    return 1;
}
