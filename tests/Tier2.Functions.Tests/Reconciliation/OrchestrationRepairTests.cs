using Azure;
using Azure.Data.Tables;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.Orders;

namespace Tier2.Functions.Tests.Reconciliation;

/// <summary><c>ReconcileOrchestrations</c> on the Durable Functions engine: what cannot make progress by itself is reported, what waits on purpose is not.</summary>
public sealed class OrchestrationRepairTests
{
    [Fact]
    public async Task Instances_that_never_started_stopped_progressing_or_ran_under_a_stale_pending_status_are_reported_and_waiting_ones_are_not()
    {
        var pause = new PauseAfterCustomer();
        await using var kit = await CustomerTestKit.StartAsync(pause);
        var reseller = await kit.CreateResellerAsync("Stalled Resale");
        using var provider = kit.Provider();
        var durable = kit.Services.GetRequiredService<DurableTaskClient>();

        // Stalled: an onboarding held inside a step (as a hung call would hold it).
        var (orderId, etag, _) = await CustomerTestKit.CreateDraftAsync(provider, CustomerTestKit.OrderBody(reseller.Id, CustomerTestKit.NewDomainPrefix(), "Stalled Co", ("o365-e3", 5, "P1M", "monthly")));
        using (var submitted = await CustomerTestKit.SendAsync(provider, HttpMethod.Post, $"/api/orders/{orderId}/submit", ifMatch: etag))
        {
            await CustomerTestKit.ExpectAsync(submitted, HttpStatusCode.Accepted);
        }

        await pause.Reached.Task.WaitAsync(TimeSpan.FromMinutes(1));

        // Waiting on purpose: a draft invite waits days for the reseller.
        async Task<string> WaitingInviteAsync(string stem)
        {
            using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"{stem}-{Guid.NewGuid():N}@fabrikam.example", delivery = "Draft" });
            var instanceId = (await created.ReadAsync<InviteView>()).OrchestrationId;
            await Eventually.UntilAsync(() => durable.GetInstanceAsync(instanceId, false), i => i?.SerializedCustomStatus == "\"waiting\"");
            return instanceId;
        }

        var inviteInstance = await WaitingInviteAsync("waiting");

        // Started, but its status row says Pending: what a host killed between the history write and the status-row
        // write of the first episode leaves (Azure/durabletask#1252), made here by writing that row as the engine had.
        var laggingInstance = await WaitingInviteAsync("lagging");
        var instances = new TableClient(TestApp.StorageConnectionString, durable.Name + "Instances");
        await instances.UpdateEntityAsync(new TableEntity(laggingInstance, string.Empty) { ["RuntimeStatus"] = "Pending" }, ETag.All, TableUpdateMode.Merge);

        // Never started: scheduled for later, so it stays Pending.
        var pendingId = "pending-" + Guid.NewGuid().ToString("N");
        await durable.ScheduleNewOrchestrationInstanceAsync(CustomerOnboardingOrchestration.Name, "no-such-order", new StartOrchestrationOptions(pendingId, DateTimeOffset.UtcNow.AddDays(1)));

        // An hour from now, with the 15-minute threshold, all three are old enough to be looked at.
        var job = new OrchestrationRepairJob(Options.Create(new ReconciliationOptions()));
        var outcome = await job.RunAsync(new JobContext("test", null, 500, DateTimeOffset.UtcNow.AddHours(1), new OrchestrationClient(durable)), CancellationToken.None);

        Assert.Contains(outcome.Details, d => d.Contains(OrderStore.InstanceIdFor(orderId), StringComparison.Ordinal) && d.Contains("no progress", StringComparison.Ordinal));
        Assert.Contains(outcome.Details, d => d.Contains(pendingId, StringComparison.Ordinal) && d.Contains("never started", StringComparison.Ordinal));
        Assert.Contains(outcome.Details, d => d.Contains(laggingInstance, StringComparison.Ordinal) && d.Contains("yet it ran", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.Details, d => d.Contains(laggingInstance, StringComparison.Ordinal) && d.Contains("never started", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.Details, d => d.Contains(inviteInstance, StringComparison.Ordinal));
        Assert.Equal(outcome.Reported, outcome.Details.Count);
        pause.Release.SetResult();
    }
}
