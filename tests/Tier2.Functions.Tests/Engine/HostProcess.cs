using System.Diagnostics;
using System.Net.Sockets;
using Tier2.Functions.Auth;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Engine;

/// <summary>
/// The standalone host as a child process (<c>dotnet Tier2.Standalone.dll --app &lt;app output&gt; --urls ...</c>), its
/// settings as environment variables (which win over any local.settings.json), its console in a log file. It can be
/// killed with SIGKILL and started again on the same storage prefix and task hub.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Dictionary<string, string?> _settings;
    private readonly object _logLock = new();
    private Process? _process;
    private StreamWriter? _log;

    private HostProcess(string name, Dictionary<string, string?> settings)
    {
        Name = name;
        _settings = settings;
        LogPath = Path.Combine(Path.GetTempPath(), $"tier2-host-{settings["Storage:Prefix"]}-{name}.log");
        WorkingDirectory = Directory.CreateTempSubdirectory("tier2-host-").FullName;
    }

    /// <summary>How the host is launched: as scripts/run.sh does, <c>dotnet Tier2.Standalone.dll</c> from the host's own output.</summary>
    private static readonly (string[] Arguments, string Note) Launch = ([Path.Combine(EngineBuild.HostFolder, "Tier2.Standalone.dll")], $"dotnet {Path.Combine(EngineBuild.HostFolder, "Tier2.Standalone.dll")}");

    public static string LaunchNote => Launch.Note;

    public string Name { get; }

    public string Prefix => _settings["Storage:Prefix"]!;

    public Uri Address { get; private set; } = null!;

    /// <summary>A provider-admin client for the current process (new after each start: the port changes).</summary>
    public HttpClient Provider { get; private set; } = null!;

    /// <summary>Everything the process (all its starts) wrote to stdout and stderr.</summary>
    public string LogPath { get; }

    /// <summary>Empty: no local.settings.json is found in the current directory.</summary>
    public string WorkingDirectory { get; }

    public int Starts { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="settings">The app's settings (<see cref="EngineBuild.Settings"/> plus changes); <c>:</c> becomes <c>__</c>.</param>
    public static async Task<HostProcess> StartAsync(Dictionary<string, string?> settings, string name = "host")
    {
        var host = new HostProcess(name, settings);
        try
        {
            await host.StartAgainAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (again), on a new free port, and waits for <c>/api/health</c> 200.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running.");
        }

        Provider?.Dispose();
        Starts++;
        var port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Launch.Arguments.Concat(["--app", EngineBuild.AppFolder, "--urls", Address.AbsoluteUri.TrimEnd('/')]))
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing of the test runner's own configuration leaks in; the app's settings win over local.settings.json.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["TIER2_LOCAL_SETTINGS"] = Path.Combine(WorkingDirectory, "no-local.settings.json");

        foreach (var (key, value) in _settings)
        {
            if (value is not null)
            {
                info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }

        _log ??= new StreamWriter(LogPath, append: true) { AutoFlush = true };
        WriteLog($"==== start {Starts} of {Name} on {Address} at {DateTimeOffset.UtcNow:O} ({LaunchNote})");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) WriteLog("err: " + e.Data); };
        process.Exited += (_, _) => WriteLog($"==== {Name} (start {Starts}) exited with {SafeExitCode(process)} at {DateTimeOffset.UtcNow:O}");
        if (!process.Start())
        {
            throw new InvalidOperationException("dotnet did not start.");
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Provider = EngineBuild.Client(Address, Roles.ProviderAdmin);

        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {process.ExitCode} while starting.\n{Tail()}");
            }

            try
            {
                using var health = await probe.GetAsync(new Uri("/api/health", UriKind.Relative));
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not answer /api/health 200 within {StartTimeout}.\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL to the host and everything it started; returns when it is gone.</summary>
    public void KillHard()
    {
        if (_process is not { } process)
        {
            return;
        }

        WriteLog($"==== kill -9 of {Name} at {DateTimeOffset.UtcNow:O}");
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"{Name} (pid {process.Id}) did not die within 30 s of SIGKILL.");
        }

        process.WaitForExit(); // drains the redirected output
        process.Dispose();
        _process = null;
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Tail(int lines = 60)
    {
        lock (_logLock)
        {
            _log?.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {Name} log ({LogPath}), last {lines} lines:\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"--- {Name} log unreadable: {e.Message}";
        }
    }

    /// <summary>The whole log.</summary>
    public string ReadLog()
    {
        lock (_logLock)
        {
            _log?.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private void WriteLog(string line)
    {
        lock (_logLock)
        {
            try
            {
                _log?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            KillHard();
        }
        finally
        {
            Provider?.Dispose();
            lock (_logLock)
            {
                _log?.Dispose();
                _log = null;
            }

            try
            {
                Directory.Delete(WorkingDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        return ValueTask.CompletedTask;
    }
}
