using System.Diagnostics;
using System.Text;

namespace Tier2.Bench;

/// <summary>
/// One standalone host process (<c>dotnet Tier2.Standalone.dll --app &lt;folder&gt;</c>) on a free loopback port, with the
/// given environment (storage connection, task hub, <c>AzureFunctionsJobHost__extensions__durableTask__*</c> overrides);
/// or a local Partner Center process (<c>dotnet Tier2.LocalPartnerCenter.dll</c>, options as <c>LocalPartnerCenter__*</c>).
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The standalone host with the app; <paramref name="port"/> when the app's settings must name its address
    /// (<c>Tier2__PublicBaseUrl</c>, where the connect flow's callback goes), else a free one.</summary>
    public static Task<HostProcess> StartAsync(string standaloneDll, string appFolder, IReadOnlyDictionary<string, string> environment, int? port = null) =>
        StartAsync(standaloneDll, ["--app", appFolder], environment, port ?? CountingProxy.FreePort(), "/api/health", "the standalone host");

    /// <summary>The local Partner Center as a process (local/Tier2.LocalPartnerCenter), answering its admin API.</summary>
    public static Task<HostProcess> StartLocalPartnerCenterAsync(string dll, IReadOnlyDictionary<string, string> environment) =>
        StartAsync(dll, [], environment, CountingProxy.FreePort(), "/_local/endpoints", "the local Partner Center");

    private static async Task<HostProcess> StartAsync(string dll, string[] arguments, IReadOnlyDictionary<string, string> environment, int port, string healthPath, string what)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // Not the repository: a local.settings.json there must not leak into the run.
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {what}.");
        var host = new HostProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        host.Client.BaseAddress = host.Address;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited with {process.ExitCode}: {host.Output}");
            }

            try
            {
                using var response = await host.Client.GetAsync(new Uri(healthPath, UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                await host.DisposeAsync();
                throw new TimeoutException($"{what} did not answer {healthPath} within 60 s: {host.Output}");
            }

            await Task.Delay(50);
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > 64_000)
            {
                _output.Remove(0, 32_000);
            }

            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        Client.Dispose();
    }
}
