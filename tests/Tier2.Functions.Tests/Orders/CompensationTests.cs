using Tier2.Functions.Audit;
using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

public sealed class CompensationTests
{
    /// <summary>Fails one step of one order every time it runs (so retries cannot save it).</summary>
    private sealed class FailStep(OnboardingStep step) : IOnboardingFaultInjector
    {
        public Task OnStepAsync(OnboardingStep current, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
            current == step && lineIndex is null or 1
                ? throw new InvalidOperationException($"injected failure in {step}")
                : Task.CompletedTask;
    }

    [Theory]
    [InlineData(OnboardingStep.Validate)]
    [InlineData(OnboardingStep.CreateCustomer)]
    [InlineData(OnboardingStep.CreateSubscription)]
    [InlineData(OnboardingStep.CreateAdminUser)]
    [InlineData(OnboardingStep.Complete)]
    public async Task A_failure_in_any_step_undoes_the_steps_before_it_and_the_order_ends_failed_with_the_reason(OnboardingStep step)
    {
        await using var kit = await StartAsync(new FailStep(step));
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Doomed Co", ("o365-e3", 5, "P1M", "monthly"), ("m365-e5", 2, "P1Y", "annual")));

        var done = await SubmitAndWaitAsync(provider, id, etag);

        Assert.Equal(OrderStatus.Failed, done.Status);
        var reason = done.FailureReason!;
        Assert.Contains($"Step {step} failed (internal error); see orchestration order-{id}", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("injected failure", reason, StringComparison.Ordinal);
        Assert.False(done.SetupInfoAvailable);
        Assert.Null(done.AdminUserName);

        // Nothing the order created is left: no customer, no subscriptions, no list entries, no user, no password.
        var customerId = done.CustomerId!;
        using var customer = await provider.GetAsync($"/api/customers/{customerId}");
        await ExpectAsync(customer, HttpStatusCode.NotFound);
        var store = kit.Services.GetRequiredService<CustomerStore>();
        Assert.Empty((await store.ListAsync(null, null, 100, null, CancellationToken.None)).Items);
        Assert.Empty((await store.ListAsync(reseller.Id, null, 100, null, CancellationToken.None)).Items);
        Assert.False(await store.HasUserAsync(customerId, $"admin@{prefix}.onmicrosoft.com", CancellationToken.None));
        await foreach (var row in store.Table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == customerId))
        {
            Assert.StartsWith("audit|", row.RowKey, StringComparison.Ordinal);
        }

        if (step != OnboardingStep.Validate)
        {
            // Every row removed with the customer left an audit row, written in the same transaction.
            using var audit = await provider.GetAsync($"/api/audit?entity=customer&id={customerId}");
            var actions = (await ExpectAsync<Page<AuditEntry>>(audit, HttpStatusCode.OK)).Items.Select(a => a.Action).ToList();
            Assert.Contains("reseller-removed", actions);
            Assert.Contains("deleted", actions);
        }

        Assert.Null((await kit.Services.GetRequiredService<OrderStore>().GetAsync(id, CancellationToken.None))!.EncryptedPassword);
        using var setup = await provider.GetAsync($"/api/orders/{id}/setup-info");
        await ExpectAsync(setup, HttpStatusCode.Gone);

        // The domain prefix was released: a new order may take it.
        var (_, _, again) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Second Try Co", ("o365-e3", 5, "P1M", "monthly")));
        Assert.Empty(again.Problems);
    }

    [Fact]
    public async Task Cancelling_a_submitted_order_undoes_what_was_provisioned_and_ends_it_cancelled()
    {
        var pause = new PauseAfterCustomer();
        await using var kit = await StartAsync(pause);
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Changed Mind Co", ("o365-e3", 5, "P1M", "monthly")));
        using var submitted = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag);
        await ExpectAsync(submitted, HttpStatusCode.Accepted);
        await pause.Reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var customerId = (await kit.Services.GetRequiredService<OrderStore>().GetAsync(id, CancellationToken.None))!.CustomerId!;
        Assert.NotNull(await kit.Services.GetRequiredService<CustomerStore>().GetAsync(customerId, CancellationToken.None));

        using var cancel = await provider.PostAsync($"/api/orders/{id}/cancel", null);
        var cancelling = await ExpectAsync<OrderView>(cancel, HttpStatusCode.Accepted);
        Assert.True(cancelling.CancelRequested);
        pause.Release.SetResult();
        var done = await WaitForOrderAsync(provider, id);

        Assert.Equal(OrderStatus.Cancelled, done.Status);
        using var customer = await provider.GetAsync($"/api/customers/{customerId}");
        await ExpectAsync(customer, HttpStatusCode.NotFound);
        Assert.Empty((await kit.Services.GetRequiredService<CustomerStore>().ListAsync(reseller.Id, null, 10, null, CancellationToken.None)).Items);
        using var cancelAgain = await provider.PostAsync($"/api/orders/{id}/cancel", null);
        await ExpectAsync(cancelAgain, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_completed_order_cannot_be_cancelled()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var done = await OnboardAsync(provider, null, NewDomainPrefix(), "Kept Co", ("o365-e3", 1, "P1M", "monthly"));

        using var cancel = await provider.PostAsync($"/api/orders/{done.Id}/cancel", null);

        var problem = await ExpectAsync<HttpValidationProblemDetails>(cancel, HttpStatusCode.Conflict);
        Assert.Equal("urn:tier2:problem:conflict", problem.Type);
    }
}
