using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Hosting;

// functions/Tier2.Standalone/Program.cs, except that the real app (referenced) is passed as AppAssembly (see the csproj).
// Tier2.Bench.Host --app <function app build output> [--urls http://localhost:7071]
string? appPath = null;
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] is "--app" or "/app")
    {
        appPath = args[i + 1];
    }
}

appPath ??= Environment.GetEnvironmentVariable(StandaloneHost.AppEnvironmentVariable);
bool isTier2 = appPath is not null && File.Exists(Path.Combine(appPath, "Tier2.Functions.dll"));

try
{
    WebApplication app = StandaloneHost.Build(new StandaloneHostOptions
    {
        AppPath = isTier2 ? null : appPath,
        AppAssembly = isTier2 ? typeof(Tier2.Functions.Tier2App).Assembly : null,
        MetadataFolder = isTier2 ? appPath : null,
        Args = args,
        ConfigureBeforeApp = builder => builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }),
    });
    using CancellationTokenSource ctrlC = new();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        ctrlC.Cancel();
    };
    await StandaloneHost.PrepareStorageAsync(app, ctrlC.Token);
    await app.RunAsync();
    return 0;
}
catch (StandaloneStartupException e)
{
    await Console.Error.WriteLineAsync($"tier2-standalone: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 0;
}
