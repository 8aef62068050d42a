using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Tier2.Standalone.Tests;

public sealed class DurableFunctionTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private SampleHost host = null!;

    public async Task InitializeAsync() => this.host = await SampleHost.StartAsync(SampleHost.NewHubName());

    public async Task DisposeAsync() => await this.host.DisposeAsync();

    private DurableTaskClient Client => this.host.Client;

    [Fact]
    public async Task An_orchestration_runs_its_activities_and_completes_when_the_event_arrives()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "ann", TimeoutSeconds = 120 });
        await this.Client.WaitForInstanceStartAsync(id, new CancellationTokenSource(Patience).Token);
        await this.WaitUntilWaitingForTheEventAsync(id);

        await this.Client.RaiseEventAsync(id, "Approved", true);
        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("Hi, ann (7): approved", done.ReadOutputAs<string>());
        Assert.Contains("ann", done.SerializedInput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_raised_before_the_wait_is_not_lost()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "bo", TimeoutSeconds = 120 });

        // Raised at once: the orchestrator is still running its two activities, not yet waiting.
        await this.Client.RaiseEventAsync(id, "Approved", false);
        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal("Hi, bo (6): rejected", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task The_timer_wins_the_race_when_no_event_arrives()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "cy", TimeoutSeconds = 1 });

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal("Hi, cy (6): timed out", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Starting_an_id_that_is_running_throws_and_starting_a_finished_one_replaces_it()
    {
        string id = "dup-" + Guid.NewGuid().ToString("N");
        await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "di", TimeoutSeconds = 120 }, new StartOrchestrationOptions(id));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "di", TimeoutSeconds = 120 }, new StartOrchestrationOptions(id)));

        await this.Client.TerminateInstanceAsync(id, "test");
        OrchestrationMetadata terminated = await this.Client.WaitForInstanceCompletionAsync(id, new CancellationTokenSource(Patience).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);

        await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "di", TimeoutSeconds = 1 }, new StartOrchestrationOptions(id));
        OrchestrationMetadata again = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);
        Assert.Equal("Hi, di (6): timed out", again.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Instances_page_with_continuation_tokens_and_purge_removes_them()
    {
        string prefix = "page-" + Guid.NewGuid().ToString("N")[..8] + "-";
        DateTimeOffset before = DateTimeOffset.UtcNow.AddMinutes(-1);
        string[] ids = [.. Enumerable.Range(0, 5).Select(i => $"{prefix}{i}")];
        foreach (string id in ids)
        {
            await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "pa", TimeoutSeconds = 1 }, new StartOrchestrationOptions(id));
        }

        foreach (string id in ids)
        {
            await this.Client.WaitForInstanceCompletionAsync(id, new CancellationTokenSource(Patience).Token);
        }

        OrchestrationQuery query = new() { InstanceIdPrefix = prefix, PageSize = 2, CreatedFrom = before };
        List<Page<OrchestrationMetadata>> pages = [];
        await foreach (Page<OrchestrationMetadata> page in this.Client.GetAllInstancesAsync(query).AsPages())
        {
            pages.Add(page);
        }

        Assert.Equal(ids, pages.SelectMany(p => p.Values).Select(m => m.InstanceId).Order());
        Assert.True(pages.Count >= 3, $"expected pages of at most 2, got {pages.Count} pages");
        Assert.All(pages, p => Assert.True(p.Values.Count <= 2));

        int withoutTimeRange = 0;
        await foreach (OrchestrationMetadata _ in this.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix }))
        {
            withoutTimeRange++;
        }

        Assert.Equal(5, withoutTimeRange);

        PurgeResult one = await this.Client.PurgeInstanceAsync(ids[0]);
        Assert.Equal(1, one.PurgedInstanceCount);
        Assert.Null(await this.Client.GetInstanceAsync(ids[0]));

        PurgeResult rest = await this.Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(before, null, [OrchestrationRuntimeStatus.Completed]));
        Assert.True(rest.PurgedInstanceCount >= 4, $"purged {rest.PurgedInstanceCount}");
        await foreach (OrchestrationMetadata left in this.Client.GetAllInstancesAsync(query))
        {
            Assert.Fail($"{left.InstanceId} was not purged");
        }
    }

    [Fact]
    public async Task Suspend_and_resume_hold_and_release_an_instance()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ApprovalOrchestrator", new { Name = "su", TimeoutSeconds = 120 });
        await this.WaitUntilWaitingForTheEventAsync(id);

        await this.Client.SuspendInstanceAsync(id, "hold");
        await this.WaitForStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        await this.Client.ResumeInstanceAsync(id, "go");
        await this.WaitForStatusAsync(id, OrchestrationRuntimeStatus.Running);
        await this.Client.RaiseEventAsync(id, "Approved", true);

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);
        Assert.Equal("Hi, su (6): approved", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_sub_orchestration_gets_its_input_and_knows_its_parent()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ParentOrchestrator", 21);

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal($"{id}:42", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task An_instance_started_with_a_version_runs_the_one_function_of_its_name()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ParentOrchestrator", 2, new StartOrchestrationOptions { Version = "2.0" });

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal($"{id}:4", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_failing_activity_is_retried_by_its_policy()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("FlakyOrchestrator", new { Key = Guid.NewGuid().ToString(), Failures = 2 });

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(3, done.ReadOutputAs<int>());
    }

    [Fact]
    public async Task An_orchestration_whose_retries_run_out_fails_with_the_activitys_failure_details()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("FlakyOrchestrator", new { Key = Guid.NewGuid().ToString(), Failures = 5 });

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, new CancellationTokenSource(Patience).Token);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.True(done.FailureDetails is not null, done.SerializedOutput);
        Assert.Contains("attempt 3 fails", done.FailureDetails.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_completion_notices_it_well_within_DTFxs_two_second_poll()
    {
        string id = await this.Client.ScheduleNewOrchestrationInstanceAsync("ParentOrchestrator", 1);

        OrchestrationMetadata done = await this.Client.WaitForInstanceCompletionAsync(id, new CancellationTokenSource(Patience).Token);
        TimeSpan noticedAfter = DateTimeOffset.UtcNow - done.LastUpdatedAt;

        Assert.True(noticedAfter < TimeSpan.FromSeconds(1.5), $"noticed {noticedAfter.TotalMilliseconds:F0} ms after completion");
    }

    // The sample sets its custom status once its activities are done and it waits for the event.
    private async Task WaitUntilWaitingForTheEventAsync(string id)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while ((await this.Client.GetInstanceAsync(id))?.SerializedCustomStatus?.Contains("waiting", StringComparison.Ordinal) != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never waited for its event");
            await Task.Delay(100);
        }
    }

    private async Task WaitForStatusAsync(string id, OrchestrationRuntimeStatus status)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while ((await this.Client.GetInstanceAsync(id))?.RuntimeStatus != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never reached {status}");
            await Task.Delay(100);
        }
    }
}
