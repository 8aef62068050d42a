using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Tier2.Durable.Tests;

/// <summary>One trace follows the work from the code that schedules an instance into its episodes and activities.</summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Activities_run_in_the_trace_of_the_code_that_scheduled_the_instance()
    {
        var seen = new ConcurrentBag<(string InstanceId, ActivityTraceId TraceId)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DurableTracing.SourceName,
            Sample = (ref ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var hub = await TestHub.CreateAsync(output, r => r
            .AddActivity<string, string>("Observe", (ctx, _, ct) =>
            {
                seen.Add((ctx.InstanceId, Activity.Current?.TraceId ?? default));
                return Task.FromResult("ok");
            })
            .AddOrchestrator<string, string>("Traced", (ctx, _) => ctx.CallActivityAsync<string>("Observe", "x")));

        using var caller = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var id = await hub.Client.ScheduleNewAsync("Traced", "x");
        caller.Stop();
        MetadataAssert.Completed(await hub.WaitAsync(id));

        var (instanceId, traceId) = Assert.Single(seen);
        Assert.Equal(id, instanceId);
        Assert.Equal(caller.TraceId, traceId);
    }
}
