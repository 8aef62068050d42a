using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Xunit;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

/// <summary>
/// Orchestration repair and the poison-queue sweep. Each test creates one kind of drift deliberately, with no
/// worker running (a test "worker" handles chosen messages by hand), repairs it, then starts a real worker and
/// shows the instance finishing, and that a repeated repair changes nothing.
/// </summary>
public sealed class MaintenanceTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, int> AppendCalls = new();

    /// <summary>Every stalled instance counts at once; one repaired and not progressed is left alone for 10 minutes.</summary>
    private static readonly RepairOptions Now = new() { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.FromMinutes(10) };

    private static void Register(DurableRegistry r)
    {
        r.AddActivity<string, string>("Append", (ctx, text, ct) =>
        {
            AppendCalls.AddOrUpdate(text, 1, (_, n) => n + 1);
            return Task.FromResult(text + "!");
        });
        r.AddOrchestrator<string, string>("Echo", (ctx, text) => ctx.CallActivityAsync<string>("Append", text));
        r.AddOrchestrator<string, string>("WaitForGo", (ctx, _) => ctx.WaitForExternalEvent<string>("Go"));
        r.AddOrchestrator<int, string>("Sleep", async (ctx, seconds) =>
        {
            await ctx.CreateTimer(TimeSpan.FromSeconds(seconds));
            return ctx.CurrentUtcDateTime.ToString("O");
        });
        r.AddOrchestrator<string, string>("EventBeatsTimer", async (ctx, _) =>
        {
            using var cancel = new CancellationTokenSource();
            var timer = ctx.CreateTimer(TimeSpan.FromSeconds(1), cancel.Token);
            var first = ctx.WaitForExternalEvent<string>("First");
            if (await Task.WhenAny(first, timer) == first)
            {
                // Synchronous on purpose: orchestrator code must stay on the replay thread (CancelAsync would not).
#pragma warning disable CA1849
                cancel.Cancel();
#pragma warning restore CA1849
            }

            return await ctx.WaitForExternalEvent<string>("Second");
        });
        r.AddOrchestrator<string, string>("Parent", (ctx, text) => ctx.CallSubOrchestratorAsync<string>("Echo", text, ctx.InstanceId + "-child"));
    }

    [Fact]
    public async Task A_pending_instance_whose_wake_up_was_lost_is_woken_once_and_completes()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var id = await hub.Client.ScheduleNewAsync("Echo", "pending");
        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        var repair = Assert.Single(first.Repairs);
        Assert.Equal((id, RepairOutcome.Resent, OrchestrationStatus.Pending), (repair.InstanceId, repair.Outcome, repair.Status));
        Assert.Contains("wake-up re-sent (it never started)", repair.Description, StringComparison.Ordinal);
        Assert.Equal(1, again.Examined);
        Assert.Empty(again.Repairs);
        Assert.Equal(1, await CountAsync(hub.Storage.OrchestrationQueue));

        hub.StartWorker();
        var done = await hub.WaitAsync(id);
        MetadataAssert.Completed(done);
        Assert.Equal("\"pending!\"", done.Output);
        var after = await maintenance.RepairStuckInstancesAsync(Now);
        Assert.Equal(0, after.Examined);
        Assert.Null(after.ContinuationToken);
    }

    [Fact]
    public async Task A_raised_event_whose_wake_up_was_lost_is_delivered()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("WaitForGo");
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);
        var idle = await maintenance.RepairStuckInstancesAsync(Now);
        Assert.Equal(1, idle.Examined);
        Assert.Empty(idle.Repairs); // Waiting for an event with nothing lost: legitimately idle.

        Assert.Equal(InstanceRequestResult.Accepted, await hub.Client.RaiseEventAsync(id, "Go", "go!"));
        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        var repair = Assert.Single(first.Repairs);
        Assert.Equal((RepairOutcome.Resent, OrchestrationStatus.Running), (repair.Outcome, repair.Status));
        Assert.Contains("1 inbox row(s) not consumed (1 event(s)", repair.Description, StringComparison.Ordinal);
        Assert.Empty(again.Repairs);

        hub.StartWorker();
        var done = await hub.WaitAsync(id);
        Assert.Equal("\"go!\"", done.Output);
        Assert.Empty((await maintenance.RepairStuckInstancesAsync(Now)).Repairs);
    }

    [Fact]
    public async Task A_lost_activity_message_is_re_sent_and_the_step_is_recorded_once()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("Echo", "lost-" + Guid.NewGuid().ToString("N"));
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        Assert.Equal(1, await CountAsync(hub.Storage.ActivityQueue));
        await hub.Storage.ActivityQueue.ClearMessagesAsync();
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        Assert.Contains("activity 'Append' #0 re-sent", Assert.Single(first.Repairs).Description, StringComparison.Ordinal);
        Assert.Empty(again.Repairs);
        Assert.Equal(1, await CountAsync(hub.Storage.ActivityQueue));
        hub.StartWorker();
        var done = await hub.WaitAsync(id);
        MetadataAssert.Completed(done);
        var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!;
        Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityCompleted);
    }

    [Fact]
    public async Task Re_sending_an_activity_whose_message_was_not_lost_is_harmless()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var input = "dup-" + Guid.NewGuid().ToString("N");
        var id = await hub.Client.ScheduleNewAsync("Echo", input);
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        Assert.Single((await maintenance.RepairStuckInstancesAsync(Now)).Repairs);
        Assert.Equal(2, await CountAsync(hub.Storage.ActivityQueue));
        hub.StartWorker();
        var done = await hub.WaitAsync(id);

        Assert.Equal(JsonSerializer.Serialize(input + "!"), done.Output);
        var history = (await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!;
        Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityScheduled);
        Assert.Single(history, e => e.Kind == HistoryEventKind.ActivityCompleted);
        Assert.True(AppendCalls.GetValueOrDefault(input) >= 1); // at-least-once: the duplicate may run too; history records it once
    }

    [Fact]
    public async Task An_overdue_timer_whose_message_was_lost_fires()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("Sleep", 1);
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        var fireAt = await TimerFireAtAsync(hub, id);
        while (DateTimeOffset.UtcNow <= fireAt)
        {
            await Task.Delay(100); // Let it become overdue (a wait, not an assertion).
        }

        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);
        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        Assert.Contains("timer #0 due", Assert.Single(first.Repairs).Description, StringComparison.Ordinal);
        Assert.Contains("not recorded as fired: re-sent once", first.Repairs[0].Description, StringComparison.Ordinal);
        Assert.Empty(again.Repairs);
        hub.StartWorker();
        MetadataAssert.Completed(await hub.WaitAsync(id));
    }

    [Fact]
    public async Task A_timer_not_yet_due_is_left_alone_unless_asked_then_re_sent_with_its_remaining_delay_chained()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, o => o.MaxTimerVisibility = TimeSpan.FromSeconds(1), startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("Sleep", 20);
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        var fireAt = await TimerFireAtAsync(hub, id);
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var byDefault = await maintenance.RepairStuckInstancesAsync(Now);
        var asked = await maintenance.RepairStuckInstancesAsync(new RepairOptions { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.FromMinutes(10), ResendTimersNotYetDue = true });
        var again = await maintenance.RepairStuckInstancesAsync(new RepairOptions { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.FromMinutes(10), ResendTimersNotYetDue = true });

        Assert.Equal(1, byDefault.Examined);
        Assert.Empty(byDefault.Repairs);
        var repair = Assert.Single(asked.Repairs);
        Assert.Contains("timer #0 due", repair.Description, StringComparison.Ordinal);
        Assert.Contains("re-sent with a delay of 00:00:01 (chained)", repair.Description, StringComparison.Ordinal);
        Assert.Empty(again.Repairs);
        hub.StartWorker();
        var done = await hub.WaitAsync(id);
        MetadataAssert.Completed(done);
        Assert.True(DateTimeOffset.Parse(JsonSerializer.Deserialize<string>(done.Output!)!, System.Globalization.CultureInfo.InvariantCulture) >= fireAt, "the timer never fires early");
    }

    [Fact]
    public async Task A_cancelled_timer_which_history_never_records_as_fired_is_re_sent_at_most_once()
    {
        await using var hub = await TestHub.CreateAsync(output, Register);
        var id = await hub.Client.ScheduleNewAsync("EventBeatsTimer");
        var fireAt = await TimerFireAtAsync(hub, id);
        await hub.Client.RaiseEventAsync(id, "First", "1");
        await hub.WaitUntilAsync(id, m => m.History!.Any(e => e.Kind == HistoryEventKind.EventRaised), includeHistory: true);
        while (DateTimeOffset.UtcNow <= fireAt)
        {
            await Task.Delay(100);
        }

        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);
        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(new RepairOptions { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.Zero });

        // Repair cannot tell a cancelled timer from a lost one without running the orchestrator: it re-sends it,
        // the worker finds it cancelled (nothing to record), and it is not re-sent again.
        Assert.Contains("timer #0 due", Assert.Single(first.Repairs).Description, StringComparison.Ordinal);
        Assert.Equal(1, again.Examined);
        Assert.Empty(again.Repairs);
        await hub.Client.RaiseEventAsync(id, "Second", "2");
        Assert.Equal("\"2\"", (await hub.WaitAsync(id)).Output);
        Assert.Single((await hub.Client.GetInstanceAsync(id, includeHistory: true))!.History!, e => e.Kind == HistoryEventKind.TimerCreated);
    }

    [Fact]
    public async Task A_finished_childs_lost_result_is_re_sent_to_its_parent()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("Parent", "child");
        var childId = id + "-child";
        while ((await hub.Client.GetInstanceAsync(childId, false))?.Status != OrchestrationStatus.Completed)
        {
            await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
            await PumpAsync(worker, hub.Storage.ActivityQueue, activities: true);
        }

        await hub.Storage.OrchestrationQueue.ClearMessagesAsync(); // the child's result to the parent
        Assert.Equal(OrchestrationStatus.Running, (await hub.Client.GetInstanceAsync(id, false))!.Status);
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        var repair = Assert.Single(first.Repairs);
        Assert.Equal(id, repair.InstanceId);
        Assert.Contains($"sub-orchestration 'Echo' #0 ({childId}) finished Completed but its result never arrived: re-sent", repair.Description, StringComparison.Ordinal);
        Assert.Empty(again.Repairs);
        hub.StartWorker();
        Assert.Equal("\"child!\"", (await hub.WaitAsync(id)).Output);
    }

    [Fact]
    public async Task An_instance_whose_history_rows_are_missing_is_failed_with_the_reason()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var id = await hub.Client.ScheduleNewAsync("WaitForGo");
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        foreach (var row in (await hub.RowsAsync(id)).Where(r => r.RowKey.StartsWith("h-", StringComparison.Ordinal)))
        {
            await hub.Storage.History.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);
        var first = await maintenance.RepairStuckInstancesAsync(Now);
        var again = await maintenance.RepairStuckInstancesAsync(Now);

        var repair = Assert.Single(first.Repairs);
        Assert.Equal(RepairOutcome.Failed, repair.Outcome);
        Assert.Contains("history rows are missing", repair.Description, StringComparison.Ordinal);
        Assert.Equal(0, again.Examined);
        var failed = (await hub.Client.GetInstanceAsync(id))!;
        Assert.Equal(OrchestrationStatus.Failed, failed.Status);
        Assert.Equal("InconsistentState", failed.Failure!.ErrorType);
        Assert.StartsWith("Failed by orchestration repair: history rows are missing", failed.Failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poison_messages_fail_their_instances_with_the_reason_and_are_settled_once()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var worker = hub.NewWorker(hub.Storage);
        var running = await hub.Client.ScheduleNewAsync("WaitForGo");
        await PumpAsync(worker, hub.Storage.OrchestrationQueue, activities: false);
        var executionId = (await hub.Client.GetInstanceAsync(running, false))!.ExecutionId;
        var pending = await hub.Client.ScheduleNewAsync("Echo", "x");
        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        await hub.Storage.ActivityPoisonQueue.SendMessageAsync($$"""{"id":"{{running}}","x":"{{executionId}}","g":0,"t":3,"n":"Append","p":"\"x\""}""");
        await hub.Storage.OrchestrationPoisonQueue.SendMessageAsync($$"""{"k":"wake","id":"{{pending}}"}""");
        await hub.Storage.OrchestrationPoisonQueue.SendMessageAsync("""{"k":"wake","id":"purged-long-ago"}""");
        await hub.Storage.OrchestrationPoisonQueue.SendMessageAsync("not a durable message");
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var first = await maintenance.SweepPoisonQueuesAsync();
        var again = await maintenance.SweepPoisonQueuesAsync();

        Assert.Equal(4, first.Examined);
        Assert.Equal(2, first.Messages.Count(m => m.Outcome == PoisonOutcome.InstanceFailed));
        Assert.Single(first.Messages, m => m.Outcome == PoisonOutcome.InstanceNotFound);
        Assert.Single(first.Messages, m => m.Outcome == PoisonOutcome.Unreadable);
        Assert.Equal(0, again.Examined);
        Assert.Equal(0, await CountAsync(hub.Storage.OrchestrationPoisonQueue));
        Assert.Equal(0, await CountAsync(hub.Storage.ActivityPoisonQueue));

        var a = (await hub.Client.GetInstanceAsync(running))!;
        Assert.Equal(OrchestrationStatus.Failed, a.Status);
        Assert.Equal(("PoisonMessage", "poison message: activity 'Append' #3 failed 5 times", "activity 'Append' #3"), (a.Failure!.ErrorType, a.Failure.ErrorMessage, a.Failure.FailedStep));
        var b = (await hub.Client.GetInstanceAsync(pending))!;
        Assert.Equal(OrchestrationStatus.Failed, b.Status);
        Assert.Equal("poison message: wake message failed 5 times", b.Failure!.ErrorMessage);

        // A failed instance is finished: the repair leaves it alone, and a poison message for it only gets deleted.
        Assert.Equal(0, (await maintenance.RepairStuckInstancesAsync(Now)).Examined);
        await hub.Storage.ActivityPoisonQueue.SendMessageAsync($$"""{"id":"{{running}}","x":"{{executionId}}","g":0,"t":3,"n":"Append"}""");
        var late = await maintenance.SweepPoisonQueuesAsync();
        Assert.Equal(PoisonOutcome.AlreadyFinished, Assert.Single(late.Messages).Outcome);
        Assert.Equal("poison message: activity 'Append' #3 failed 5 times", (await hub.Client.GetInstanceAsync(running))!.Failure!.ErrorMessage);
    }

    [Fact]
    public async Task A_bounded_repair_continues_from_its_continuation_token()
    {
        await using var hub = await TestHub.CreateAsync(output, Register, startWorker: false);
        var ids = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await hub.Client.ScheduleNewAsync("Echo", "bounded"));
        }

        await hub.Storage.OrchestrationQueue.ClearMessagesAsync();
        var maintenance = new DurableMaintenance(hub.Storage, hub.Logger);

        var first = await maintenance.RepairStuckInstancesAsync(new RepairOptions { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.FromMinutes(10), MaxInstances = 2 });
        var rest = await maintenance.RepairStuckInstancesAsync(new RepairOptions { StuckThreshold = TimeSpan.Zero, RetryRepairAfter = TimeSpan.FromMinutes(10), MaxInstances = 2, ContinuationToken = first.ContinuationToken });

        Assert.Equal(2, first.Examined);
        Assert.NotNull(first.ContinuationToken);
        Assert.Equal(1, rest.Examined);
        Assert.Null(rest.ContinuationToken);
        Assert.Equal(ids, first.Repairs.Concat(rest.Repairs).Select(r => r.InstanceId).ToHashSet());
        hub.StartWorker();
        foreach (var id in ids)
        {
            MetadataAssert.Completed(await hub.WaitAsync(id));
        }
    }

    /// <summary>Handles the currently visible messages of one queue the way a listener would (first delivery), then deletes them.</summary>
    private static async Task PumpAsync(DurableWorker worker, QueueClient queue, bool activities)
    {
        var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
        foreach (var m in messages)
        {
            if (activities)
            {
                await worker.HandleActivityMessageAsync(m.Body.ToString(), m.DequeueCount, CancellationToken.None);
            }
            else
            {
                await worker.HandleOrchestrationMessageAsync(m.Body.ToString(), m.DequeueCount, CancellationToken.None);
            }

            await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
        }
    }

    /// <summary>Visible and invisible messages (approximate, exact on Azurite).</summary>
    private static async Task<int> CountAsync(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private static async Task<DateTimeOffset> TimerFireAtAsync(TestHub hub, string id)
    {
        var meta = await hub.WaitUntilAsync(id, m => m.History!.Any(e => e.Kind == HistoryEventKind.TimerCreated), includeHistory: true);
        return meta.History!.Single(e => e.Kind == HistoryEventKind.TimerCreated).FireAt!.Value;
    }
}
