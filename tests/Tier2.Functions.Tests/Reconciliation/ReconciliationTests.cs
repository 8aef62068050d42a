using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.Invites;

namespace Tier2.Functions.Tests.Reconciliation;

public sealed class ReconciliationTests : AppTest
{

    /// <summary>Drift: a Pending invite, past its expiry, whose orchestration was terminated (its timer will never fire).</summary>
    private async Task<(string Id, string Link)> CreateDriftedInviteAsync()
    {
        using var created = await Provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"drift-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var invite = await created.ReadAsync<InviteView>();
        var id = invite.Id;
        var instanceId = invite.OrchestrationId;
        await Eventually.UntilAsync(() => App.Services.GetRequiredService<DurableTaskClient>().GetInstanceAsync(instanceId, false), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        using var terminate = await Provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{instanceId}/terminate", UriKind.Relative), new { reason = "test drift" });
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        await Eventually.UntilAsync(() => App.Services.GetRequiredService<DurableTaskClient>().GetInstanceAsync(instanceId, false), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Terminated);

        var table = App.Services.GetRequiredService<InviteStore>().Table;
        var row = (await table.GetEntityAsync<TableEntity>(InviteStore.Partition, "i|" + id)).Value;
        row["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-5);
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        return (id, invite.Draft!.Link);
    }

    private async Task<ReconciliationRun> RunJobAsync(string job)
    {
        using var response = await Provider.PostAsync(new Uri($"/api/reconciliation/jobs/{job}/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<ReconciliationRun>();
    }

    [Fact]
    public async Task A_pending_invite_past_expiry_whose_orchestration_is_finished_is_marked_expired_once()
    {
        var (id, link) = await CreateDriftedInviteAsync();

        var first = await RunJobAsync("ReconcileInvites");
        var second = await RunJobAsync("ReconcileInvites");

        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal(1, first.Examined);
        Assert.Equal(1, first.Changed);
        Assert.Contains(id, first.Details[0], StringComparison.Ordinal);
        Assert.Equal(0, second.Changed);
        var invite = await Provider.GetAsync<InviteView>($"/api/resellers/invites/{id}");
        Assert.Equal(InviteStatus.Expired, invite.Status);
        using var page = new InvitePageClient(App.Address);
        Assert.Equal(HttpStatusCode.Gone, (await page.OpenAsync(link)).Response.StatusCode);
    }

    [Fact]
    public async Task A_run_while_another_holds_the_lease_is_skipped_and_changes_nothing()
    {
        var (id, _) = await CreateDriftedInviteAsync();
        var names = App.Services.GetRequiredService<StorageNames>();
        var lockBlob = App.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(names.Queue(ReconciliationRunner.LeaseContainer)).GetBlobClient("ReconcileInvites.lock");
        await lockBlob.UploadAsync(BinaryData.FromString("held by a concurrent run"), overwrite: true);
        var lease = lockBlob.GetBlobLeaseClient();
        await lease.AcquireAsync(TimeSpan.FromSeconds(30));
        try
        {
            var run = await RunJobAsync("ReconcileInvites");

            Assert.Equal(RunStatus.Skipped, run.Status);
            Assert.Equal(0, run.Changed);
            var invite = await Provider.GetAsync<InviteView>($"/api/resellers/invites/{id}");
            Assert.Equal(InviteStatus.Pending, invite.Status);
        }
        finally
        {
            await lease.ReleaseAsync();
        }

        Assert.Equal(1, (await RunJobAsync("ReconcileInvites")).Changed);
    }

    [Fact]
    public async Task Bounded_runs_continue_from_their_checkpoint()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await CreateDriftedInviteAsync()).Id);
        }

        var runner = App.Services.GetRequiredService<ReconciliationRunner>();
        var job = App.Services.GetServices<IReconciliationJob>().Single(j => j.Name == "ReconcileInvites");
        var orchestrations = new OrchestrationClient(App.Services.GetRequiredService<DurableTaskClient>());
        var first = await runner.RunAsync(job, budget: 2, orchestrations, CancellationToken.None);
        var second = await runner.RunAsync(job, budget: 2, orchestrations, CancellationToken.None);

        Assert.Equal(2, first.Changed);
        Assert.False(first.Complete);
        Assert.Equal(1, second.Changed);
        Assert.True(second.Complete);
        foreach (var id in ids)
        {
            var invite = await Provider.GetAsync<InviteView>($"/api/resellers/invites/{id}");
            Assert.Equal(InviteStatus.Expired, invite.Status);
        }
    }

    [Fact]
    public async Task Runs_are_recorded_and_listed_for_theProvider()
    {
        await RunJobAsync("ReconcileInvites");

        var runs = await Provider.GetAsync<Page<ReconciliationRun>>("/api/reconciliation/runs?job=ReconcileInvites");

        var run = runs.Items[0];
        Assert.Equal("ReconcileInvites", run.Job);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        using var reseller = App.ClientAs(Tier2.Functions.Auth.Roles.ResellerAdmin, "r1");
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.GetAsync(new Uri("/api/reconciliation/runs", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Retention_purges_finished_orchestrations_older_than_the_setting_and_keeps_running_ones()
    {
        using var finished = await Provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"old-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var finishedId = (await finished.ReadAsync<InviteView>()).Id;
        using var running = await Provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = $"live-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var runningInstance = (await running.ReadAsync<InviteView>()).OrchestrationId;
        using var revoke = await Provider.PostAsync(new Uri($"/api/resellers/invites/{finishedId}/revoke", UriKind.Relative), null);
        var durable = App.Services.GetRequiredService<DurableTaskClient>();
        await Eventually.UntilAsync(() => durable.GetInstanceAsync(InviteStore.InstanceIdFor(finishedId), false), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Completed);
        await Eventually.UntilAsync(() => durable.GetInstanceAsync(runningInstance, false), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Running);

        // Two hours from now, with a one-hour retention, the finished instance is old enough.
        var options = Options.Create(new ReconciliationOptions { Retention = TimeSpan.FromHours(1) });
        var outcome = await new RetentionJob(options).RunAsync(new JobContext("test", null, 1000, DateTimeOffset.UtcNow.AddHours(2), new OrchestrationClient(durable)), CancellationToken.None);

        Assert.True(outcome.Changed >= 1);
        Assert.Null(await durable.GetInstanceAsync(InviteStore.InstanceIdFor(finishedId), false));
        Assert.NotNull(await durable.GetInstanceAsync(runningInstance, false));
    }

    [Fact]
    public async Task An_invite_stored_without_its_orchestration_is_started_by_the_invites_job_and_emailed_once()
    {
        // The crash window: the invite row committed, the process died before the orchestration was scheduled.
        var store = App.Services.GetRequiredService<InviteStore>();
        var tokens = App.Services.GetRequiredService<InviteTokens>();
        var now = DateTimeOffset.UtcNow;
        var id = InviteStore.NewId(now);
        var token = InviteTokens.NewToken();
        var email = $"orphan-{Guid.NewGuid():N}@fabrikam.example";
        var created = await store.CreateAsync(
            new Invite
            {
                Id = id,
                Email = email,
                Delivery = InviteDelivery.Email,
                Status = InviteStatus.Pending,
                CreatedAt = now.AddMinutes(-5),
                CreatedBy = "test",
                ExpiresAt = now.AddDays(14),
                RemindAt = now.AddDays(7),
                LastTokenIssuedAt = now,
                ResellerId = Guid.NewGuid().ToString("N"),
                InstanceId = InviteStore.InstanceIdFor(id),
                SealedToken = tokens.Seal(token, now.AddDays(14)),
            },
            InviteTokens.Hash(token),
            idempotencyKey: null,
            requestHash: null,
            CancellationToken.None);
        Assert.NotNull(created);

        var run = await RunJobAsync("ReconcileInvites");
        var again = await RunJobAsync("ReconcileInvites");

        Assert.Contains(run.Details, d => d.Contains($"invite {id}", StringComparison.Ordinal) && d.Contains("started", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Details, d => d.Contains($"invite {id}", StringComparison.Ordinal));
        var message = await Maildev.WaitForMessageAsync(email);
        Assert.Contains(token, message.Text, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => Provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"), i => i.SentAt is not null);
        Assert.Single(await Maildev.MessagesToAsync(email));
    }
}
