using System.Diagnostics;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

/// <summary>
/// The worker runs as a separate process (Tier2.Durable.TestWorker); it freezes at a crash point, the test
/// SIGKILLs it, starts a fresh worker, and every orchestration must complete with the right output and a history
/// that records each step once.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("after-activity-before-result-stored")]
    [InlineData("before-commit")]
    [InlineData("after-commit-before-send")]
    [InlineData("during-timer")]
    public async Task Orchestrations_complete_exactly_once_in_history_after_the_worker_is_killed(string crashPoint)
    {
        // The orchestrations run in the worker process; this hub object only schedules and inspects.
        await using var hub = await TestHub.CreateAsync(output, _ => { }, startWorker: false);
        var activityLog = Path.Combine(Path.GetTempPath(), $"tier2-durable-{hub.HubName}.log");
        try
        {
            var sequences = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                sequences.Add(await hub.Client.ScheduleNewAsync("CrashSequence", new[] { $"a{i}", $"b{i}", $"c{i}" }));
            }

            var timer = await hub.Client.ScheduleNewAsync("CrashTimer", "timer");
            var fanOut = await hub.Client.ScheduleNewAsync("CrashFanOut", 10);

            using (var first = WorkerProcess.Start(hub.HubName, activityLog, crashPoint, output))
            {
                await first.WaitForLineAsync($"CRASHPOINT {crashPoint}");
                first.Kill();
            }

            using (var second = WorkerProcess.Start(hub.HubName, activityLog, null, output))
            {
                for (var i = 0; i < 3; i++)
                {
                    var done = await hub.WaitAsync(sequences[i]);
                    MetadataAssert.Completed(done);
                    Assert.Equal([$"Hello a{i}!", $"Hello b{i}!", $"Hello c{i}!"], JsonSerializer.Deserialize<List<string>>(done.Output!));
                }

                var timerDone = await hub.WaitAsync(timer);
                MetadataAssert.Completed(timerDone);
                Assert.Equal("\"Hello timer!\"", timerDone.Output);
                var fanOutDone = await hub.WaitAsync(fanOut);
                MetadataAssert.Completed(fanOutDone);
                Assert.Equal("10", fanOutDone.Output);
                second.Kill();
            }

            foreach (var id in sequences.Append(timer).Append(fanOut))
            {
                var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!;
                AssertEachStepRecordedOnce(history);
            }

            // Activities are at-least-once: after a crash between an activity and its result, it ran again.
            var runs = (await File.ReadAllLinesAsync(activityLog)).Where(l => l.Length > 0).GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(3 * 3 + 1 + 10, runs.Count);
            if (crashPoint == "after-activity-before-result-stored")
            {
                Assert.Contains(runs.Values, count => count >= 2);
            }
        }
        finally
        {
            File.Delete(activityLog);
        }
    }

    private static void AssertEachStepRecordedOnce(IReadOnlyList<HistoryEvent> history)
    {
        Assert.Single(history, e => e.Kind == HistoryEventKind.ExecutionStarted);
        Assert.Single(history, e => e.Kind == HistoryEventKind.ExecutionCompleted);
        var scheduled = history.Where(e => e.Kind is HistoryEventKind.ActivityScheduled or HistoryEventKind.TimerCreated).Select(e => e.TaskId!.Value).ToList();
        var completed = history.Where(e => e.Kind is HistoryEventKind.ActivityCompleted or HistoryEventKind.TimerFired).Select(e => e.TaskId!.Value).ToList();
        Assert.Equal(scheduled.Distinct().Count(), scheduled.Count);
        Assert.Equal(completed.Distinct().Count(), completed.Count);
        Assert.Equal(scheduled.Order(), completed.Order());
    }

    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly ITestOutputHelper _output;

        private WorkerProcess(Process process, ITestOutputHelper output)
        {
            _process = process;
            _output = output;
        }

        public static WorkerProcess Start(string hubName, string activityLog, string? crashAt, ITestOutputHelper output)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var info = new ProcessStartInfo(dotnet, [Path.Combine(AppContext.BaseDirectory, "Tier2.Durable.TestWorker.dll")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["TIER2_TEST_STORAGE"] = TestHub.ConnectionString;
            info.Environment["DURABLE_HUB"] = hubName;
            info.Environment["DURABLE_ACTIVITY_LOG"] = activityLog;
            info.Environment["DURABLE_CRASH_AT"] = crashAt ?? string.Empty;
            var process = new Process { StartInfo = info };
            var worker = new WorkerProcess(process, output);
            process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return worker;
        }

        public async Task WaitForLineAsync(string line)
        {
            using var cts = new CancellationTokenSource(TestHub.Timeout);
            while (true)
            {
                lock (_lines)
                {
                    if (_lines.Contains(line))
                    {
                        return;
                    }
                }

                Assert.False(_process.HasExited, $"worker exited before printing '{line}'");
                await Task.Delay(20, cts.Token);
            }
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
            }

            try
            {
                _output.WriteLine("worker: " + line);
            }
            catch (InvalidOperationException)
            {
                // The test is over.
            }
        }
    }
}
