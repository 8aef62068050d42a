using System.Collections.Concurrent;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

public sealed class GuaranteeTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, bool> Changed = new();

    private static void Register(DurableRegistry r)
    {
        r.AddActivity<string, string>("SayHello", (ctx, name, ct) => Task.FromResult($"Hello {name}!"));
        r.AddActivity<string, string>("Append", (ctx, text, ct) => Task.FromResult(text + "!"));
        r.AddOrchestrator<string[], List<string>>("HelloSequence", async (ctx, cities) =>
        {
            var results = new List<string>();
            foreach (var city in cities)
            {
                results.Add(await ctx.CallActivityAsync<string>("SayHello", city));
            }

            return results;
        });
        r.AddOrchestrator<string, string>("Evolving", async (ctx, _) =>
        {
            for (var i = 0; i < 3; i++)
            {
                await ctx.CallActivityAsync<string>("SayHello", "step" + i);
            }

            if (Changed.ContainsKey(ctx.InstanceId))
            {
                await ctx.CreateTimer(TimeSpan.FromSeconds(1));
            }
            else
            {
                await ctx.CallActivityAsync<string>("Append", "v1");
            }

            ctx.SetCustomStatus("waiting");
            return await ctx.WaitForExternalEvent<string>("Continue");
        });
        r.AddOrchestrator<int, string>("Sleep", async (ctx, seconds) =>
        {
            await ctx.CreateTimer(TimeSpan.FromSeconds(seconds));
            return "woke at " + ctx.CurrentUtcDateTime.ToString("O");
        });
        r.AddOrchestrator<string, string>("TimerThenEvent", async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromSeconds(2));
            return await ctx.WaitForExternalEvent<string>("Late");
        });
        r.AddOrchestrator<string, string>("CallsMissingActivity", (ctx, _) => ctx.CallActivityAsync<string>("NotRegistered"));
        r.AddOrchestrator<string, string>("Echo", (ctx, text) => ctx.CallActivityAsync<string>("Append", text));
        r.AddOrchestrator<string, string>("WaitForever", (ctx, _) => ctx.WaitForExternalEvent<string>("Never"));
        r.AddOrchestrator<string, string>("BadAwait", async (ctx, _) =>
        {
            await Task.Delay(10);
            return "should not get here";
        });
    }

    [Fact]
    public async Task A_replay_that_diverges_from_history_fails_the_instance_naming_both_steps()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("Evolving");
        await hub.WaitUntilAsync(id, m => m.CustomStatus is not null);

        Changed[id] = true; // "deploy" a version whose step #3 is a timer instead of activity 'Append'
        await hub.Client.RaiseEventAsync(id, "Continue", "go");
        var done = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.Equal("NonDeterministicOrchestration", done.Failure!.ErrorType);
        Assert.Equal("non-deterministic orchestration: history has ActivityScheduled 'Append' #3 but the code asked for Timer #3", done.Failure.ErrorMessage);
        Assert.Equal("orchestrator 'Evolving'", done.Failure.FailedStep);
    }

    [Fact]
    public async Task Two_workers_never_both_commit_an_episode_and_the_loser_abandons_without_side_effects()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var id = await hub.Client.ScheduleNewAsync("HelloSequence", new[] { "Lima" });
        var wake = (await hub.Storage.OrchestrationQueue.ReceiveMessageAsync(TimeSpan.FromMinutes(2))).Value;

        using var paused = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var commitAttemptsA = 0;
        var sendsA = 0;
        var workerA = hub.NewWorker(hub.NewStorage(o => o.FaultPoint = point =>
        {
            if (point == "before-commit")
            {
                Interlocked.Increment(ref commitAttemptsA);
                paused.Set();
                release.Wait(TestHub.Timeout);
            }
            else if (point == "after-commit-before-send")
            {
                Interlocked.Increment(ref sendsA);
            }
        }));
        var workerB = hub.NewWorker(hub.NewStorage());

        // A loads and replays, then stops just before its commit; B handles the same work and commits first.
        var runA = Task.Run(() => workerA.HandleOrchestrationMessageAsync(wake.Body.ToString(), 1, CancellationToken.None));
        Assert.True(paused.Wait(TestHub.Timeout));
        await workerB.HandleOrchestrationMessageAsync(wake.Body.ToString(), 1, CancellationToken.None);
        release.Set();
        await runA;

        Assert.Equal(1, commitAttemptsA); // A tried once, lost the ETag race, reloaded and found nothing left to do
        Assert.Equal(0, sendsA);          // ... and sent nothing
        var work = (await hub.Storage.ActivityQueue.PeekMessagesAsync(32)).Value;
        Assert.Single(work);
        var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!;
        Assert.Single(history, e => e.Kind == HistoryEventKind.ExecutionStarted);
        Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityScheduled);

        await hub.Storage.OrchestrationQueue.DeleteMessageAsync(wake.MessageId, wake.PopReceipt);
        hub.StartWorker();
        var done = await hub.WaitAsync(id);
        Assert.Equal("[\"Hello Lima!\"]", done.Output);
    }

    [Fact]
    public async Task A_result_reaching_a_worker_whose_cached_episode_is_stale_is_not_dropped()
    {
        // Two workers share the hub (the host scales out): A runs episode 1 and caches it, B runs episode 2 (which
        // schedules step #1), then step #1's result reaches A. A's cached history has no step #1, so it must reload
        // rather than treat the result as a stale duplicate and delete it (which left the instance Running forever).
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var workerA = hub.NewWorker(hub.NewStorage());
        var workerB = hub.NewWorker(hub.NewStorage());
        var id = await hub.Client.ScheduleNewAsync("HelloSequence", new[] { "Lima", "Quito" });

        async Task<string> NextAsync(Azure.Storage.Queues.QueueClient queue)
        {
            var message = (await queue.ReceiveMessageAsync(TimeSpan.FromMinutes(2))).Value;
            Assert.NotNull(message);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            return message.Body.ToString();
        }

        await workerA.HandleOrchestrationMessageAsync(await NextAsync(hub.Storage.OrchestrationQueue), 1, CancellationToken.None); // wake: episode 1, cached by A
        await workerA.HandleActivityMessageAsync(await NextAsync(hub.Storage.ActivityQueue), 1, CancellationToken.None);
        await workerB.HandleOrchestrationMessageAsync(await NextAsync(hub.Storage.OrchestrationQueue), 1, CancellationToken.None); // result #0: episode 2 by B
        await workerB.HandleActivityMessageAsync(await NextAsync(hub.Storage.ActivityQueue), 1, CancellationToken.None);
        await workerA.HandleOrchestrationMessageAsync(await NextAsync(hub.Storage.OrchestrationQueue), 1, CancellationToken.None); // result #1 at A

        var done = await hub.Client.GetInstanceAsync(id);
        Assert.Equal(OrchestrationStatus.Completed, done!.Status);
        Assert.Equal("[\"Hello Lima!\",\"Hello Quito!\"]", done.Output);
    }

    [Fact]
    public async Task A_durable_timer_fires_after_the_worker_restarts()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("Sleep", 6);
        await hub.WaitUntilAsync(id, m => m.History!.Any(e => e.Kind == HistoryEventKind.TimerCreated), includeHistory: true);
        await hub.StopWorkersAsync();
        var stopped = await hub.Client.GetInstanceAsync(id, includeHistory: true);
        Assert.DoesNotContain(stopped!.History!, e => e.Kind == HistoryEventKind.TimerFired);

        hub.StartWorker();
        var done = await hub.WaitAsync(id);

        MetadataAssert.Completed(done);
        var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!;
        var created = Assert.Single(history, e => e.Kind == HistoryEventKind.TimerCreated);
        var fired = Assert.Single(history, e => e.Kind == HistoryEventKind.TimerFired);
        Assert.True(fired.Timestamp >= created.FireAt!.Value - TimeSpan.FromMilliseconds(100), $"fired {fired.Timestamp:O} before {created.FireAt:O}");
    }

    [Fact]
    public async Task A_timer_longer_than_the_maximum_message_visibility_is_chained_and_fires_on_time()
    {
        var orchestrationSends = 0;
        await using var hub = await TestHub.CreateAsync(output, Register, o =>
        {
            o.MaxTimerVisibility = TimeSpan.FromSeconds(1);
            o.MessageEnqueued = q =>
            {
                if (q.EndsWith("-orchestrations", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref orchestrationSends);
                }
            };
        });
        var done = await hub.RunAsync("Sleep", 4);

        MetadataAssert.Completed(done);
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        var created = Assert.Single(history, e => e.Kind == HistoryEventKind.TimerCreated);
        var fired = Assert.Single(history, e => e.Kind == HistoryEventKind.TimerFired);

        // With a 1 s cap an unchained timer would fire after about 1 s, 3 s early.
        Assert.True(fired.Timestamp >= created.FireAt!.Value - TimeSpan.FromMilliseconds(100), $"fired {fired.Timestamp:O} before {created.FireAt:O}");
        Assert.True(orchestrationSends >= 4, $"expected the timer to hop at least twice, saw {orchestrationSends} orchestration messages");
    }

    [Fact]
    public async Task An_event_raised_before_the_orchestration_waits_for_it_is_buffered_not_lost()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("TimerThenEvent");
        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.RaiseEventAsync(id, "Late", "early bird"));
        var done = await hub.WaitAsync(id);

        Assert.Equal("\"early bird\"", done.Output);
        var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!.ToList();
        Assert.True(history.FindIndex(e => e.Kind == HistoryEventKind.EventRaised) < history.FindIndex(e => e.Kind == HistoryEventKind.TimerFired));
    }

    [Fact]
    public async Task Requests_to_an_unknown_instance_are_answered_as_not_found()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var missing = "missing-" + Guid.NewGuid().ToString("N");

        Assert.Equal(InstanceRequestResult.InstanceNotFound, await hub.Client.RaiseEventAsync(missing, "Anything", 1));
        Assert.Equal(InstanceRequestResult.InstanceNotFound, await hub.Client.TerminateAsync(missing));
        Assert.Equal(InstanceRequestResult.InstanceNotFound, await hub.Client.SuspendAsync(missing));
        Assert.Equal(InstanceRequestResult.InstanceNotFound, await hub.Client.ResumeAsync(missing));
        Assert.Null(await hub.Client.GetInstanceAsync(missing));
        Assert.Equal(PurgeResult.InstanceNotFound, await hub.Client.PurgeInstanceAsync(missing));
        Assert.Equal(0, (await hub.Storage.OrchestrationQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task An_activity_message_that_fails_N_times_is_poisoned_and_its_instance_fails_with_the_reason()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, o => o.MaxDequeueCount = 3);
        var done = await hub.RunAsync("CallsMissingActivity", "x");

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.Equal("PoisonMessage", done.Failure!.ErrorType);
        Assert.Contains("failed 3 time(s)", done.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Activity 'NotRegistered' is not registered", done.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("activity 'NotRegistered' #0", done.Failure.FailedStep);
        await WaitForCountAsync(() => hub.Storage.ActivityPoisonQueue, 1);
    }

    [Fact]
    public async Task An_orchestration_message_that_fails_N_times_is_poisoned_and_its_instance_fails_instead_of_staying_pending()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, o => o.MaxDequeueCount = 2);
        var done = await hub.RunAsync("NoSuchOrchestrator", "x");

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.Equal("PoisonMessage", done.Failure!.ErrorType);
        Assert.Contains("Orchestrator 'NoSuchOrchestrator' is not registered", done.Failure.ErrorMessage, StringComparison.Ordinal);
        await WaitForCountAsync(() => hub.Storage.OrchestrationPoisonQueue, 1);
    }

    [Fact]
    public async Task Inputs_and_outputs_over_64_KiB_round_trip_through_blobs()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var big = new string('x', 100 * 1024) + "é";
        var done = await hub.RunAsync("Echo", big);

        MetadataAssert.Completed(done);
        Assert.Equal(big + "!", JsonSerializer.Deserialize<string>(done.Output!));
        Assert.Equal(big, JsonSerializer.Deserialize<string>(done.Input!));
        var state = (await hub.RowsAsync(done.InstanceId)).Single(r => r.RowKey == "state");
        Assert.NotNull(state.GetString("InputBlob"));
        Assert.NotNull(state.GetString("OutputBlob"));
        Assert.Null(state.GetString("Input"));
        var history = (await hub.Client.GetInstanceAsync(done.InstanceId, includeHistory: true))!.History!;
        Assert.NotNull(Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityScheduled).PayloadBlob);
        Assert.NotNull(Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityCompleted).PayloadBlob);
        Assert.True((await hub.BlobsAsync(done.InstanceId + "/")).Count >= 3);
    }

    [Fact]
    public async Task Purge_removes_the_instances_rows_and_blobs_and_nothing_else()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var big = new string('y', 70 * 1024);
        var a = await hub.RunAsync("Echo", big, instanceId: "purge-" + Guid.NewGuid().ToString("N"));
        var b = await hub.RunAsync("Echo", big, instanceId: a.InstanceId + "-sibling"); // its id starts with a's id
        var running = await hub.Client.ScheduleNewAsync("WaitForever");
        var bRows = (await hub.RowsAsync(b.InstanceId)).Select(r => r.RowKey).Order().ToList();
        var bBlobs = await hub.BlobsAsync(b.InstanceId + "/");
        Assert.NotEmpty(await hub.BlobsAsync(a.InstanceId + "/"));
        Assert.NotEmpty(bBlobs);

        Assert.Equal(PurgeResult.Purged, await hub.Client.PurgeInstanceAsync(a.InstanceId));

        Assert.Empty(await hub.RowsAsync(a.InstanceId));
        Assert.Empty(await hub.BlobsAsync(a.InstanceId + "/"));
        Assert.Null(await hub.Client.GetInstanceAsync(a.InstanceId));
        Assert.Equal(bRows, (await hub.RowsAsync(b.InstanceId)).Select(r => r.RowKey).Order().ToList());
        Assert.Equal(bBlobs, await hub.BlobsAsync(b.InstanceId + "/"));
        Assert.Equal(big + "!", JsonSerializer.Deserialize<string>((await hub.Client.GetInstanceAsync(b.InstanceId))!.Output!));
        Assert.Equal(PurgeResult.InstanceNotTerminal, await hub.Client.PurgeInstanceAsync(running));
        Assert.NotEmpty(await hub.RowsAsync(running));
    }

    [Fact]
    public async Task Purging_by_status_and_age_removes_only_matching_terminal_instances()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("HelloSequence", new[] { "a" });
        var running = await hub.Client.ScheduleNewAsync("WaitForever");

        Assert.Equal(0, await hub.Client.PurgeInstancesAsync([OrchestrationStatus.Completed], done.CompletedAt!.Value.AddHours(-1)));
        Assert.Equal(0, await hub.Client.PurgeInstancesAsync([OrchestrationStatus.Failed], DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal(1, await hub.Client.PurgeInstancesAsync([OrchestrationStatus.Completed], DateTimeOffset.UtcNow.AddHours(1)));

        Assert.Null(await hub.Client.GetInstanceAsync(done.InstanceId));
        Assert.NotNull(await hub.Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task Scheduling_an_id_in_use_by_a_live_instance_is_refused_unless_replacing()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = "dup-" + Guid.NewGuid().ToString("N");
        await hub.Client.ScheduleNewAsync("WaitForever", null, new StartOrchestrationOptions { InstanceId = id });
        var first = await hub.WaitUntilAsync(id, m => m.Status == OrchestrationStatus.Running);

        var refused = await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => hub.Client.ScheduleNewAsync("HelloSequence", new[] { "x" }, new StartOrchestrationOptions { InstanceId = id }));
        Assert.Equal(OrchestrationStatus.Running, refused.ExistingStatus);

        await hub.Client.ScheduleNewAsync("HelloSequence", new[] { "x" }, new StartOrchestrationOptions { InstanceId = id, ReplaceExisting = true });
        var replaced = await hub.WaitAsync(id);
        Assert.Equal("HelloSequence", replaced.Name);
        Assert.NotEqual(first.ExecutionId, replaced.ExecutionId);
        Assert.Equal("[\"Hello x!\"]", replaced.Output);

        // A terminal instance's id can be reused without asking.
        await hub.Client.ScheduleNewAsync("HelloSequence", new[] { "y" }, new StartOrchestrationOptions { InstanceId = id });
        Assert.Equal("[\"Hello y!\"]", (await hub.WaitUntilAsync(id, m => m.Output == "[\"Hello y!\"]")).Output);
    }

    [Fact]
    public async Task Instances_can_be_queried_by_status_and_creation_time_a_page_at_a_time()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var c1 = await hub.RunAsync("HelloSequence", new[] { "a" });
        var c2 = await hub.RunAsync("HelloSequence", new[] { "b" });
        var running = await hub.Client.ScheduleNewAsync("WaitForever");
        await hub.WaitUntilAsync(running, m => m.Status == OrchestrationStatus.Running);

        var completed = await hub.Client.QueryInstancesAsync(new InstanceQuery { Statuses = [OrchestrationStatus.Completed] });
        Assert.Equal(new[] { c1.InstanceId, c2.InstanceId }.Order(), completed.Instances.Select(i => i.InstanceId).Order());
        var live = await hub.Client.QueryInstancesAsync(new InstanceQuery { Statuses = [OrchestrationStatus.Running, OrchestrationStatus.Pending] });
        Assert.Equal(running, Assert.Single(live.Instances).InstanceId);
        Assert.Empty((await hub.Client.QueryInstancesAsync(new InstanceQuery { CreatedFrom = DateTimeOffset.UtcNow.AddMinutes(1) })).Instances);
        Assert.Equal(3, (await hub.Client.QueryInstancesAsync(new InstanceQuery { CreatedFrom = before, CreatedTo = DateTimeOffset.UtcNow.AddMinutes(1) })).Instances.Count);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await hub.Client.QueryInstancesAsync(new InstanceQuery { PageSize = 1, ContinuationToken = token });
            seen.AddRange(page.Instances.Select(i => i.InstanceId));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 20);
        Assert.Equal(new[] { c1.InstanceId, c2.InstanceId, running }.Order(), seen.Order());
    }

    [Fact]
    public async Task Orchestrator_code_that_awaits_a_non_durable_task_fails_with_a_clear_error()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var done = await hub.RunAsync("BadAwait", "x");

        Assert.Equal(OrchestrationStatus.Failed, done.Status);
        Assert.Contains("not a durable task", done.Failure!.ErrorMessage, StringComparison.Ordinal);
    }

    private static async Task WaitForCountAsync(Func<Azure.Storage.Queues.QueueClient> queue, int count)
    {
        using var cts = new CancellationTokenSource(TestHub.Timeout);
        while ((await queue().GetPropertiesAsync(cts.Token)).Value.ApproximateMessagesCount < count)
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
