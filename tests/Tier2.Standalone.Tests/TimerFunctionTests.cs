namespace Tier2.Standalone.Tests;

public sealed class TimerFunctionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_timer_with_runOnStartup_fires_once_across_two_host_instances_on_one_storage_account()
    {
        string hub = SampleHost.NewHubName();
        Dictionary<string, string?> fastTakeover = new() { ["AzureFunctionsJobHost:singleton:listenerLockRecoveryPollingInterval"] = "00:00:01" };
        await using SampleHost first = await SampleHost.StartAsync(hub, fastTakeover);
        await using SampleHost second = await SampleHost.StartAsync(hub, fastTakeover);

        await Eventually(() => first.TimerRuns + second.TimerRuns >= 1);
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(1, first.TimerRuns + second.TimerRuns);
    }

    [Fact]
    public async Task Another_instance_takes_over_the_timer_when_the_holder_stops()
    {
        string hub = SampleHost.NewHubName();
        Dictionary<string, string?> fastTakeover = new() { ["AzureFunctionsJobHost:singleton:listenerLockRecoveryPollingInterval"] = "00:00:01" };
        SampleHost first = await SampleHost.StartAsync(hub, fastTakeover);
        await Eventually(() => first.TimerRuns == 1);
        await using SampleHost second = await SampleHost.StartAsync(hub, fastTakeover);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, second.TimerRuns);

        await first.DisposeAsync();

        // The new holder runs on start-up (runOnStartup), as a Functions host taking over the listener does.
        await Eventually(() => second.TimerRuns == 1);
    }

    [Fact]
    public async Task A_schedule_occurrence_missed_while_no_host_ran_is_run_at_once_as_past_due()
    {
        string hub = SampleHost.NewHubName();

        // Every second, no run on start-up: the first host records its schedule status.
        Dictionary<string, string?> settings = new() { ["SampleSchedule"] = "*/1 * * * * *" };
        await using (SampleHost first = await SampleHost.StartAsync(hub, settings))
        {
            await Eventually(() => first.TimerRuns >= 1);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await using SampleHost second = await SampleHost.StartAsync(hub, settings);
        await Eventually(() => second.TimerRuns >= 1);

        object log = second.AppService("TimerLog");
        Assert.Equal(true, log.GetType().GetProperty("FirstIsPastDue")!.GetValue(log));
    }

    [Fact]
    public async Task A_TimeSpan_schedule_runs_the_timer_repeatedly()
    {
        await using SampleHost host = await SampleHost.StartAsync(SampleHost.NewHubName(), new Dictionary<string, string?> { ["SampleSchedule"] = "00:00:01" });

        // The start-up run and at least two scheduled ones.
        await Eventually(() => host.TimerRuns >= 3);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(100);
        }
    }
}
