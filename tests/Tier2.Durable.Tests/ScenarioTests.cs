using System.Collections.Concurrent;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

public sealed class ScenarioTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    private static void Register(DurableRegistry r)
    {
        r.AddActivity<string, string>("SayHello", (ctx, name, ct) => Task.FromResult($"Hello {name}!"));
        r.AddActivity<int, int>("Square", (ctx, n, ct) => Task.FromResult(n * n));
        r.AddActivity<string, string>("Key", (ctx, _, ct) => Task.FromResult(ctx.IdempotencyKey));
        r.AddActivity<string, string>("FlakyTwice", (ctx, key, ct) =>
            Attempts.AddOrUpdate(key, 1, (_, n) => n + 1) <= 2 ? throw new InvalidOperationException("transient failure") : Task.FromResult("made it"));
        r.AddActivity<string, string>("AlwaysFails", (ctx, _, ct) => throw new InvalidOperationException("the card was declined"));

        r.AddOrchestrator<string[], List<string>>("HelloSequence", async (ctx, cities) =>
        {
            var results = new List<string>();
            foreach (var city in cities)
            {
                results.Add(await ctx.CallActivityAsync<string>("SayHello", city));
            }

            return results;
        });
        r.AddOrchestrator<int, long>("FanOutFanIn", async (ctx, count) =>
        {
            var tasks = Enumerable.Range(1, count).Select(i => ctx.CallActivityAsync<int>("Square", i)).ToList();
            var squares = await Task.WhenAll(tasks);
            return squares.Sum(s => (long)s);
        });
        r.AddOrchestrator<int, string>("ApprovalWithTimeout", async (ctx, timeoutSeconds) =>
        {
            try
            {
                var approver = await ctx.WaitForExternalEvent<string>("Approved", TimeSpan.FromSeconds(timeoutSeconds));
                return "approved by " + approver;
            }
            catch (TimeoutException)
            {
                return "timed out";
            }
        });
        r.AddOrchestrator<string, string>("RetryThenSucceed", (ctx, key) =>
            ctx.CallActivityAsync<string>("FlakyTwice", key, new RetryPolicy(3, TimeSpan.FromSeconds(1), backoffCoefficient: 2)));
        r.AddOrchestrator<string, string>("RetryExhausted", (ctx, _) =>
            ctx.CallActivityAsync<string>("AlwaysFails", null, new RetryPolicy(3, TimeSpan.FromMilliseconds(500))));
        r.AddOrchestrator<string, string>("RetryOnlyTransient", (ctx, _) =>
            ctx.CallActivityAsync<string>("AlwaysFails", null, new RetryPolicy(5, TimeSpan.FromMilliseconds(500), handle: f => f.ErrorMessage.Contains("timeout", StringComparison.Ordinal))));
        r.AddOrchestrator<string, string>("Parent", async (ctx, name) =>
        {
            var greeting = await ctx.CallSubOrchestratorAsync<List<string>>("HelloSequence", new[] { name });
            try
            {
                await ctx.CallSubOrchestratorAsync<string>("RetryExhausted", "x");
                return "child should have failed";
            }
            catch (TaskFailedException ex)
            {
                return $"{greeting[0]} / child failed: {ex.Failure.ErrorMessage}";
            }
        });
        r.AddOrchestrator<int, int>("CountTo5", async (ctx, n) =>
        {
            await ctx.CallActivityAsync<int>("Square", n);
            if (n < 5)
            {
                ctx.ContinueAsNew(n + 1);
                return -1;
            }

            return n;
        });
        r.AddOrchestrator<string, string>("WaitForever", async (ctx, _) =>
        {
            ctx.SetCustomStatus(new { stage = "waiting" });
            return await ctx.WaitForExternalEvent<string>("Never");
        });
        r.AddOrchestrator<string, string>("GoThenHello", async (ctx, _) =>
        {
            ctx.SetCustomStatus("waiting for go");
            var who = await ctx.WaitForExternalEvent<string>("Go");
            return await ctx.CallActivityAsync<string>("SayHello", who);
        });
        r.AddOrchestrator<string, string[]>("Keys", async (ctx, _) =>
        {
            var guid = ctx.NewGuid().ToString();
            var first = await ctx.CallActivityAsync<string>("Key", "a");
            var second = await ctx.CallActivityAsync<string>("Key", "b");
            var echoed = await ctx.CallActivityAsync<string>("SayHello", guid);
            return [first, second, echoed, guid];
        });
    }

    [Fact]
    public async Task A_hello_sequence_of_three_activities_completes_with_each_result_in_order()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("HelloSequence", new[] { "Tokyo", "Seattle", "London" });

        MetadataAssert.Completed(done);
        Assert.Equal(["Hello Tokyo!", "Hello Seattle!", "Hello London!"], done.ReadOutputAs<List<string>>(JsonSerializerOptions.Web));
        var full = await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true);
        Assert.Equal(3, full!.History!.Count(e => e.Kind == HistoryEventKind.ActivityScheduled));
        Assert.Equal([0, 1, 2], full.History!.Where(e => e.Kind == HistoryEventKind.ActivityCompleted).Select(e => e.TaskId!.Value));
    }

    [Fact]
    public async Task A_fan_out_of_100_activities_fans_in_every_result_exactly_once()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("FanOutFanIn", 100);

        MetadataAssert.Completed(done);
        Assert.Equal(Enumerable.Range(1, 100).Sum(i => (long)i * i), done.ReadOutputAs<long>(JsonSerializerOptions.Web));
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        Assert.Equal(100, history.Count(e => e.Kind == HistoryEventKind.ActivityScheduled));
        var completions = history.Where(e => e.Kind == HistoryEventKind.ActivityCompleted).Select(e => e.TaskId!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 100), completions.Order());
    }

    [Fact]
    public async Task An_event_that_beats_its_timeout_wins_the_race_and_the_timer_is_cancelled()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("ApprovalWithTimeout", 120);
        await hub.WaitUntilAsync(id, m => m.History!.Any(e => e.Kind == HistoryEventKind.TimerCreated), includeHistory: true);

        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.RaiseEventAsync(id, "Approved", "ana"));
        var done = await hub.WaitAsync(id);

        Assert.Equal("\"approved by ana\"", done.Output);
    }

    [Fact]
    public async Task A_timeout_that_beats_its_event_wins_the_race_and_a_late_event_is_refused()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("ApprovalWithTimeout", 1);

        Assert.Equal("\"timed out\"", done.Output);
        Assert.Equal(InstanceRequestResult.InstanceNotRunning, await hub.Client.RaiseEventAsync(done.InstanceId, "Approved", "late"));
    }

    [Fact]
    public async Task A_failing_activity_is_retried_with_backoff_timers_and_then_succeeds()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var key = Guid.NewGuid().ToString();
        var done = await hub.RunAsync("RetryThenSucceed", key);

        MetadataAssert.Completed(done);
        Assert.Equal("\"made it\"", done.Output);
        Assert.Equal(3, Attempts[key]);
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        var failures = history.Where(e => e.Kind == HistoryEventKind.ActivityFailed).ToList();
        var timers = history.Where(e => e.Kind == HistoryEventKind.TimerCreated).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Equal(2, timers.Count);

        // Backoff: 1 s after the first failure, then 2 s (coefficient 2), measured on the replay clock.
        var episodeStarts = history.Where(e => e.Kind == HistoryEventKind.OrchestratorStarted).Select(e => e.Timestamp).ToList();
        Assert.Equal(TimeSpan.FromSeconds(1), timers[0].FireAt!.Value - StartOfEpisodeContaining(history, timers[0]));
        Assert.Equal(TimeSpan.FromSeconds(2), timers[1].FireAt!.Value - StartOfEpisodeContaining(history, timers[1]));
        Assert.True(episodeStarts.Count >= 5);
    }

    [Fact]
    public async Task A_retry_policy_that_runs_out_of_attempts_fails_the_instance_with_the_activity_error_and_step()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("RetryExhausted", "x");

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.NotNull(done.Failure);
        Assert.Equal("System.InvalidOperationException", done.Failure!.ErrorType);
        Assert.Equal("the card was declined", done.Failure.ErrorMessage);
        Assert.Contains("activity 'AlwaysFails'", done.Failure.FailedStep, StringComparison.Ordinal);
        Assert.Contains("attempt 3 of 3", done.Failure.FailedStep, StringComparison.Ordinal);
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        Assert.Equal(3, history.Count(e => e.Kind == HistoryEventKind.ActivityFailed));
    }

    [Fact]
    public async Task A_retry_predicate_that_rejects_the_failure_stops_after_the_first_attempt()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("RetryOnlyTransient", "x");

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        Assert.Equal(1, history.Count(e => e.Kind == HistoryEventKind.ActivityFailed));
        Assert.DoesNotContain(history, e => e.Kind == HistoryEventKind.TimerCreated);
    }

    [Fact]
    public async Task A_sub_orchestration_returns_its_output_to_the_parent_and_its_failure_as_a_catchable_exception()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("Parent", "Oslo");

        MetadataAssert.Completed(done);
        Assert.Equal("\"Hello Oslo! / child failed: the card was declined\"", done.Output);
        var child = await hub.Client.GetInstanceAsync($"{done.InstanceId}:0:0");
        Assert.Equal(OrchestrationStatus.Completed, child!.Status);
        Assert.Equal(done.InstanceId, child.ParentInstanceId);
        var failedChild = await hub.Client.GetInstanceAsync($"{done.InstanceId}:0:1");
        Assert.Equal(OrchestrationStatus.Failed, failedChild!.Status);
    }

    [Fact]
    public async Task Continue_as_new_loops_with_fresh_history_and_deletes_the_old_generations_rows()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("CountTo5", 1);

        MetadataAssert.Completed(done);
        Assert.Equal("5", done.Output);
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        var started = Assert.Single(history, e => e.Kind == HistoryEventKind.ExecutionStarted);
        Assert.Equal("5", started.Payload);
        Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityScheduled);

        // Only the last generation's history rows (and the state row) remain.
        var rows = await hub.RowsAsync(done.InstanceId);
        Assert.All(rows.Where(r => r.RowKey.StartsWith("h-", StringComparison.Ordinal)), r => Assert.StartsWith("h-0000000004-", r.RowKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Terminate_ends_a_waiting_instance_with_the_reason_as_output()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("WaitForever");
        var waiting = await hub.WaitUntilAsync(id, m => m.CustomStatus is not null);
        Assert.Equal(OrchestrationStatus.Running, waiting.Status);
        Assert.Equal("{\"stage\":\"waiting\"}", waiting.CustomStatus);

        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.TerminateAsync(id, "no longer needed"));
        var done = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Terminated, done.Status);
        Assert.Equal("\"no longer needed\"", done.Output);
        Assert.Equal(InstanceRequestResult.InstanceNotRunning, await hub.Client.TerminateAsync(id));
    }

    [Fact]
    public async Task A_suspended_instance_buffers_its_events_until_resumed()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("GoThenHello");
        await hub.WaitUntilAsync(id, m => m.CustomStatus is not null);

        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.SuspendAsync(id, "maintenance"));
        await hub.WaitUntilAsync(id, m => m.Status == OrchestrationStatus.Suspended);
        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.RaiseEventAsync(id, "Go", "Rome"));

        // The event's wake-up is processed while suspended: the event stays in the inbox, nothing runs.
        await WaitForQueueToDrainAsync(hub);
        var suspended = await hub.Client.GetInstanceAsync(id, includeHistory: true);
        Assert.Equal(OrchestrationStatus.Suspended, suspended!.Status);
        Assert.DoesNotContain(suspended.History!, e => e.Kind == HistoryEventKind.EventRaised);
        Assert.Contains(await hub.RowsAsync(id), r => r.RowKey.StartsWith("i-e-", StringComparison.Ordinal));

        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.ResumeAsync(id));
        var done = await hub.WaitAsync(id);
        Assert.Equal("\"Hello Rome!\"", done.Output);
        Assert.DoesNotContain(await hub.RowsAsync(id), r => r.RowKey.StartsWith("i-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activities_get_an_idempotency_key_of_instance_and_task_id_and_NewGuid_is_stable_across_replays()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("Keys", "x", instanceId: "keys-" + Guid.NewGuid().ToString("N"));

        var keys = done.ReadOutputAs<string[]>(JsonSerializerOptions.Web)!;
        Assert.Equal($"{done.InstanceId}:0", keys[0]);
        Assert.Equal($"{done.InstanceId}:1", keys[1]);

        // The GUID sent to the activity (made while replaying episode 3) equals the one returned (made in episode 4).
        Assert.Equal($"Hello {keys[3]}!", keys[2]);
        Assert.True(Guid.TryParse(keys[3], out _));
    }

    private static DateTimeOffset StartOfEpisodeContaining(IReadOnlyList<HistoryEvent> history, HistoryEvent e)
    {
        var index = history.ToList().IndexOf(e);
        return history.Take(index).Last(h => h.Kind == HistoryEventKind.OrchestratorStarted).Timestamp;
    }

    private static async Task WaitForQueueToDrainAsync(TestHub hub)
    {
        using var cts = new CancellationTokenSource(TestHub.Timeout);
        while ((await hub.Storage.OrchestrationQueue.GetPropertiesAsync(cts.Token)).Value.ApproximateMessagesCount > 0)
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
