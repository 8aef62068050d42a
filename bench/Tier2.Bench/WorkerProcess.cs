using System.Diagnostics;
using System.Text.Json;

namespace Tier2.Bench;

/// <summary>A worker started as a separate OS process (this binary in "worker" mode), driven over stdin/stdout.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static async Task<WorkerProcess> StartAsync(string connection, string hub, string hostJson)
    {
        var info = SelfCommand("worker", "--storage", connection, "--hub", hub, "--host-json", hostJson);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the worker process.");
        var worker = new WorkerProcess(process);
        var line = await worker.ReadLineAsync(TimeSpan.FromSeconds(60));
        if (line != "READY")
        {
            throw new InvalidOperationException($"Worker process said '{line}' instead of READY.");
        }

        return worker;
    }

    /// <summary>This program again, with other arguments (apphost, or the dll under the dotnet host).</summary>
    public static ProcessStartInfo SelfCommand(params string[] args)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var info = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            info.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    public async Task ResetCountsAsync()
    {
        await SendAsync("reset");
        var line = await ReadLineAsync(TimeSpan.FromSeconds(30));
        if (line != "OK")
        {
            throw new InvalidOperationException($"Worker answered '{line}' to reset.");
        }
    }

    public async Task<Dictionary<string, long>> CountsAsync()
    {
        await SendAsync("counts");
        var line = await ReadLineAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("COUNTS ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Worker answered '{line}' to counts.");
        }

        return JsonSerializer.Deserialize<Dictionary<string, long>>(line["COUNTS ".Length..]) ?? [];
    }

    private async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _process.StandardOutput.ReadLineAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("quit");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }
}
