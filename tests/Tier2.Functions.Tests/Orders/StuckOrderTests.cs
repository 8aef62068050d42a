using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

/// <summary>Orders left Submitted or Provisioning without a live orchestration: repeat submit, cancel, and ReconcileOrders.</summary>
public sealed class StuckOrderTests
{
    /// <summary>Fails the second subscription, and then the undo of the customer, every time.</summary>
    private sealed class FailStepAndUndo : IOnboardingFaultInjector
    {
        public Task OnStepAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
            step == OnboardingStep.CreateSubscription && lineIndex == 1 ? throw new InvalidOperationException("secret internal detail 42") : Task.CompletedTask;

        public Task OnUndoAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
            step == OnboardingStep.CreateCustomer ? throw new InvalidOperationException("undo exploded") : Task.CompletedTask;
    }

    /// <summary>What a submit commits before it schedules the orchestration, as if scheduling then failed.</summary>
    /// <param name="idempotencyKey">The key the committed submit carried (the provider admin's, as the test client is).</param>
    private static async Task SubmitWithoutSchedulingAsync(CustomerTestKit kit, string orderId, DateTimeOffset? submittedAt = null, string? idempotencyKey = null)
    {
        var store = kit.Services.GetRequiredService<OrderStore>();
        var result = await store.UpdateAsync(orderId, null, "test", o => new OrderChange(
            o with { Status = OrderStatus.Submitted, SubmittedAt = submittedAt ?? DateTimeOffset.UtcNow, CustomerId = Guid.NewGuid().ToString("N"), InstanceId = OrderStore.InstanceIdFor(o.Id) },
            "submitted",
            idempotencyKey is null
                ? [OrderStore.ClaimDomain(o.DomainPrefix!, o.Id)]
                : [OrderStore.ClaimDomain(o.DomainPrefix!, o.Id), OrderStore.KeyRow(OrderStore.SubmitKeyPrefix, "actor:provider-admin:developer", idempotencyKey, o.Id)]), CancellationToken.None);
        Assert.Equal(ChangeOutcome.Changed, result.Outcome);
    }

    /// <summary>Moves the order's last change back in time, past the stuck threshold.</summary>
    private static async Task AgeAsync(CustomerTestKit kit, string orderId)
    {
        var table = kit.Services.GetRequiredService<OrderStore>().Table;
        var row = (await table.GetEntityAsync<TableEntity>(OrderStore.Partition, "o|" + orderId)).Value;
        row["UpdatedAt"] = DateTimeOffset.UtcNow.AddHours(-2);
        row["SubmittedAt"] = DateTimeOffset.UtcNow.AddHours(-2);
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
    }

    private static async Task<ReconciliationRun> RunJobAsync(HttpClient provider, string job)
    {
        using var response = await provider.PostAsync(new Uri($"/api/reconciliation/jobs/{job}/run", UriKind.Relative), null);
        return await ExpectAsync<ReconciliationRun>(response, HttpStatusCode.OK);
    }

    private static async Task<bool> PrefixIsFreeAsync(HttpClient provider, string? resellerId, string prefix)
    {
        var (_, _, draft) = await CreateDraftAsync(provider, OrderBody(resellerId, prefix, "Probe Co", ("o365-e3", 1, "P1M", "monthly")));
        return !draft.Problems.Any(p => p.Field == "customer.domainPrefix");
    }

    [Fact]
    public async Task A_replay_with_the_committed_submits_key_schedules_an_orchestration_that_is_missing()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Retry Co", ("o365-e3", 1, "P1M", "monthly")));
        await SubmitWithoutSchedulingAsync(kit, id, idempotencyKey: "repeat-" + id);

        using var repeat = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: "repeat-" + id);

        await ExpectAsync(repeat, HttpStatusCode.Accepted);
        var done = await WaitForOrderAsync(provider, id);
        Assert.Equal(OrderStatus.Completed, done.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("another-key")]
    public async Task A_submit_with_the_drafts_stale_etag_and_not_the_committed_key_answers_412_even_when_the_orchestration_is_missing(string? key)
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Stale Retry Co", ("o365-e3", 1, "P1M", "monthly")));
        await SubmitWithoutSchedulingAsync(kit, id, idempotencyKey: "committed-" + id);

        using var repeat = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: key);

        await ExpectAsync(repeat, HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Cancelling_a_submitted_order_without_an_orchestration_ends_it_cancelled_and_releases_the_prefix()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var (id, _, _) = await CreateDraftAsync(provider, OrderBody(null, prefix, "Orphan Co", ("o365-e3", 1, "P1M", "monthly")));
        await SubmitWithoutSchedulingAsync(kit, id);
        Assert.False(await PrefixIsFreeAsync(provider, null, prefix));

        using var cancel = await provider.PostAsync($"/api/orders/{id}/cancel", null);

        var view = await ExpectAsync<OrderView>(cancel, HttpStatusCode.OK);
        Assert.Equal(OrderStatus.Cancelled, view.Status);
        Assert.True(await PrefixIsFreeAsync(provider, null, prefix));
        Assert.Null(await kit.Services.GetRequiredService<OrderStore>().DomainHolderAsync(prefix, CancellationToken.None));
    }

    [Fact]
    public async Task ReconcileOrders_schedules_a_stuck_order_whose_orchestration_is_missing()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (id, _, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Lost Start Co", ("o365-e3", 1, "P1M", "monthly")));
        var (fresh, _, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Just Submitted Co", ("o365-e3", 1, "P1M", "monthly")));
        await SubmitWithoutSchedulingAsync(kit, id);
        await SubmitWithoutSchedulingAsync(kit, fresh);
        await AgeAsync(kit, id);

        var run = await RunJobAsync(provider, "ReconcileOrders");

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Examined);
        Assert.Equal(1, run.Changed);
        Assert.Contains(id, run.Details[0], StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Completed, (await WaitForOrderAsync(provider, id)).Status);
        Assert.Null(await kit.Services.GetRequiredService<DurableTaskClient>().GetInstanceAsync(OrderStore.InstanceIdFor(fresh), false));
    }

    [Fact]
    public async Task ReconcileOrders_undoes_an_order_whose_orchestration_was_terminated_and_ends_it_failed()
    {
        var pause = new PauseAfterCustomer();
        await using var kit = await StartAsync(pause);
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Terminated Co", ("o365-e3", 5, "P1M", "monthly")));
        using (var submitted = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag))
        {
            await ExpectAsync(submitted, HttpStatusCode.Accepted);
        }

        await pause.Reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var instanceId = OrderStore.InstanceIdFor(id);
        using (var terminate = await provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{instanceId}/terminate", UriKind.Relative), new { reason = "test: poisoned" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        }

        var durable = kit.Services.GetRequiredService<DurableTaskClient>();
        await Eventually.UntilAsync(() => durable.GetInstanceAsync(instanceId, false), i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Terminated);
        pause.Release.SetResult();
        var customerId = (await kit.Services.GetRequiredService<OrderStore>().GetAsync(id, CancellationToken.None))!.CustomerId!;
        await Eventually.UntilAsync(() => kit.Services.GetRequiredService<CustomerStore>().GetAsync(customerId, CancellationToken.None), c => c is not null);
        await AgeAsync(kit, id);

        var run = await RunJobAsync(provider, "ReconcileOrders");
        var again = await RunJobAsync(provider, "ReconcileOrders");

        Assert.Equal(1, run.Changed);
        Assert.Equal(0, again.Changed);
        using var order = await provider.GetAsync($"/api/orders/{id}");
        var view = await ExpectAsync<OrderView>(order, HttpStatusCode.OK);
        Assert.Equal(OrderStatus.Failed, view.Status);
        Assert.Contains("Terminated", view.FailureReason, StringComparison.Ordinal);
        using var customer = await provider.GetAsync($"/api/customers/{customerId}");
        await ExpectAsync(customer, HttpStatusCode.NotFound);
        Assert.Empty((await kit.Services.GetRequiredService<CustomerStore>().ListAsync(reseller.Id, null, 10, null, CancellationToken.None)).Items);
        Assert.True(await PrefixIsFreeAsync(provider, reseller.Id, prefix));
    }

    [Fact]
    public async Task When_undo_fails_the_order_ends_failed_keeping_its_domain_claim_and_the_reason_hides_internal_detail()
    {
        await using var kit = await StartAsync(new FailStepAndUndo());
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Leftover Co", ("o365-e3", 5, "P1M", "monthly"), ("m365-e5", 2, "P1Y", "annual")));

        var done = await SubmitAndWaitAsync(provider, id, etag);

        Assert.Equal(OrderStatus.Failed, done.Status);
        var reason = done.FailureReason!;
        Assert.Contains("an operator must remove what is left", reason, StringComparison.Ordinal);
        Assert.Contains($"order-{id}", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("secret internal detail", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("undo exploded", reason, StringComparison.Ordinal);
        Assert.Equal(id, (await kit.Services.GetRequiredService<OrderStore>().DomainHolderAsync(prefix, CancellationToken.None))?.OrderId);
        Assert.False(await PrefixIsFreeAsync(provider, reseller.Id, prefix));
    }

    [Fact]
    public async Task A_conflict_on_an_extra_row_names_which_row_conflicted()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (id, _, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Keyed Co", ("o365-e3", 1, "P1M", "monthly")));
        var store = kit.Services.GetRequiredService<OrderStore>();
        await store.Table.AddEntityAsync(new TableEntity(OrderStore.Partition, "ks|taken") { ["OrderId"] = "another" });
        await store.Table.AddEntityAsync(new TableEntity(OrderStore.Partition, "d|takenprefix") { ["OrderId"] = "another" });

        var keyConflict = await store.UpdateAsync(id, null, "test", o => new OrderChange(o with { Status = OrderStatus.Submitted }, "submitted", [
            OrderStore.ClaimDomain(o.DomainPrefix!, o.Id),
            new Azure.Data.Tables.TableTransactionAction(TableTransactionActionType.Add, new TableEntity(OrderStore.Partition, "ks|taken") { ["OrderId"] = o.Id })]), CancellationToken.None);
        var domainConflict = await store.UpdateAsync(id, null, "test", o => new OrderChange(o with { Status = OrderStatus.Submitted }, "submitted", [
            OrderStore.ClaimDomain("takenprefix", o.Id)]), CancellationToken.None);

        Assert.Equal(ChangeOutcome.InvalidState, keyConflict.Outcome);
        Assert.Equal(OrderStore.ConflictReason(1), keyConflict.Reason);
        Assert.Equal(ChangeOutcome.InvalidState, domainConflict.Outcome);
        Assert.Equal(OrderStore.ConflictReason(0), domainConflict.Reason);
    }
}
