using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Tier2.Durable;
using Tier2.Functions.Invites;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Reconciliation;

public sealed class OrchestrationRepairTests : AppTest
{
    // The job runs only when the test asks (its timer would otherwise hold the lease now and then).
    protected override void Configure(Dictionary<string, string?> settings) => settings["Reconciliation:OrchestrationRepairSchedule"] = "0 0 0 1 1 *";

    private async Task<JsonElement> RunJobAsync()
    {
        using var response = await Provider.PostAsync(new Uri("/api/reconciliation/jobs/ReconcileOrchestrations/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task The_repair_job_starts_an_instance_left_pending_and_fails_the_instance_of_a_poison_message_once()
    {
        var durable = App.Services.GetRequiredService<DurableClient>();
        var storage = App.Services.GetRequiredService<DurableStorage>();

        // Drift 1: a schedule whose process "died" after the state insert, before the wake-up (the queue is unreachable),
        // then left alone for an hour.
        var unreachable = new QueueServiceClient(new Uri("http://127.0.0.1:9/devstoreaccount1"), new QueueClientOptions { Retry = { MaxRetries = 0 } });
        var halfway = new DurableClient(new DurableStorage(App.Services.GetRequiredService<TableServiceClient>(), unreachable, App.Services.GetRequiredService<BlobServiceClient>(), storage.Options));
        var stuckId = "stuck-" + Guid.NewGuid().ToString("N");
        var input = new InviteWorkflowInput("no-such-invite", InviteDelivery.Draft, null, DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(2), null);
        await Assert.ThrowsAnyAsync<RequestFailedException>(() => halfway.ScheduleNewAsync(PartnershipInviteOrchestration.Name, input, new StartOrchestrationOptions { InstanceId = stuckId }));
        var state = (await storage.History.GetEntityAsync<TableEntity>(stuckId, "state")).Value;
        state["LastUpdatedAt"] = DateTimeOffset.UtcNow.AddHours(-1);
        await storage.History.UpdateEntityAsync(state, state.ETag, TableUpdateMode.Replace);

        // Drift 2: a running invite orchestration whose activity message ended in the poison queue (a crash loop).
        using var created = await Provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"poison-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var poisonedId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orchestrationId").GetString()!;
        var running = await Eventually.UntilAsync(() => durable.GetInstanceAsync(poisonedId, false), i => i?.Status == OrchestrationStatus.Running);
        await storage.ActivityPoisonQueue.SendMessageAsync($$"""{"id":"{{poisonedId}}","x":"{{running!.ExecutionId}}","g":0,"t":7,"n":"{{InviteActivities.SendEmail}}"}""");

        var first = await RunJobAsync();
        var second = await RunJobAsync();

        Assert.Equal("Succeeded", first.GetProperty("status").GetString());
        Assert.Equal(2, first.GetProperty("changed").GetInt32());
        var details = first.GetProperty("details").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Contains(details, d => d.Contains(stuckId, StringComparison.Ordinal) && d.Contains("wake-up re-sent (it never started)", StringComparison.Ordinal));
        var reason = $"poison message: activity '{InviteActivities.SendEmail}' #7 failed {storage.Options.MaxDequeueCount} times";
        Assert.Contains(details, d => d.Contains(poisonedId, StringComparison.Ordinal) && d.Contains(reason, StringComparison.Ordinal));
        Assert.Equal("Succeeded", second.GetProperty("status").GetString());
        Assert.Equal(0, second.GetProperty("changed").GetInt32());

        await Eventually.UntilAsync(() => durable.GetInstanceAsync(stuckId, false), i => i?.Status == OrchestrationStatus.Running, what: "the repaired instance to start");
        var poisoned = await durable.GetInstanceAsync(poisonedId, false);
        Assert.Equal(OrchestrationStatus.Failed, poisoned!.Status);
        Assert.Equal(reason, poisoned.Failure!.ErrorMessage);
        Assert.Equal(0, (await storage.ActivityPoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await RunJobAsync()).GetProperty("changed").GetInt32());
    }
}
