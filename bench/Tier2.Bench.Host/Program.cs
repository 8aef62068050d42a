using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Hosting;

// (a copy of functions/Tier2.Standalone/Program.cs) dotnet Tier2.Bench.Host.dll --app <function app build output> [--urls http://localhost:7071]
// Start-up problems are one line on stderr and exit code 1; Ctrl-C / SIGTERM stop quietly.
string? appPath = null;
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] is "--app" or "/app")
    {
        appPath = args[i + 1];
    }
}

appPath ??= args.FirstOrDefault(a => a.StartsWith("--app=", StringComparison.Ordinal))?["--app=".Length..];
appPath ??= Environment.GetEnvironmentVariable(StandaloneHost.AppEnvironmentVariable);

try
{
    WebApplication app = StandaloneHost.Build(new StandaloneHostOptions
    {
        AppPath = appPath,
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
