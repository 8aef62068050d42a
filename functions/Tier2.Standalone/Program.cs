using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Hosting;

// dotnet Tier2.Standalone.dll --app <function app build output> [--urls http://localhost:7071]
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
    // Ctrl-C while the task hub is being created (storage slow or unreachable) ends the wait; once the
    // host runs, its own console lifetime handles Ctrl-C and SIGTERM.
    using (CancellationTokenSource ctrlC = new())
    {
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            ctrlC.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            await StandaloneHost.PrepareStorageAsync(app, ctrlC.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    await app.RunAsync();
    return 0;
}
catch (StandaloneStartupException e)
{
    await Console.Error.WriteLineAsync($"tier2-standalone: {e.Message}");
    return 1;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    // The app validates its settings at start-up: one line per failure, each naming its setting.
    foreach (string failure in e.Failures)
    {
        await Console.Error.WriteLineAsync($"tier2-standalone: configuration error: {failure}");
    }

    return 1;
}
catch (OperationCanceledException)
{
    return 0;
}
catch (IOException e)
{
    // Kestrel cannot listen (address in use, no permission).
    await Console.Error.WriteLineAsync($"tier2-standalone: cannot listen: {e.Message}");
    return 1;
}
