using Tier2.Functions.Audit;
using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Audit;

public sealed class AuditTests
{
    private static async Task<List<AuditEntry>> AllAsync(HttpClient client, string query)
    {
        var rows = new List<AuditEntry>();
        string? token = null;
        do
        {
            using var response = await client.GetAsync($"/api/audit?{query}&pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            var page = await ExpectAsync<Page<AuditEntry>>(response, HttpStatusCode.OK);
            rows.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return rows;
    }

    [Fact]
    public async Task Every_change_to_orders_customers_and_subscriptions_has_an_audit_row_with_who_what_when_before_and_after()
    {
        await using var kit = await StartAsync();
        var reseller = await kit.CreateResellerAsync("Audited Resale");
        using var provider = kit.Provider();
        var done = await OnboardAsync(provider, reseller.Id, NewDomainPrefix(), "Audited Co", ("o365-e3", 5, "P1M", "monthly"));
        var orderId = done.Id;
        var customerId = done.CustomerId!;
        using (var setup = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            await ExpectAsync(setup, HttpStatusCode.OK);
        }

        using var customer = await provider.GetAsync($"/api/customers/{customerId}");
        var subscriptionId = (await ExpectAsync<CustomerView>(customer, HttpStatusCode.OK)).Subscriptions[0].Id;
        using var read = await provider.GetAsync($"/api/customers/{customerId}/subscriptions/{subscriptionId}");
        using (var patch = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{customerId}/subscriptions/{subscriptionId}", new { quantity = 9 }, ifMatch: ETagOf(read)))
        {
            await ExpectAsync(patch, HttpStatusCode.OK);
        }

        var order = await AllAsync(provider, $"entity=order&id={orderId}");
        Assert.Equal(["setup-info-read", "completed", "admin-user-created", "provisioning", "submitted", "created"], order.Select(r => r.Action));
        Assert.All(order, r => Assert.DoesNotContain("encryptedPassword", r.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("provider-admin:", order[^1].Actor, StringComparison.Ordinal);
        Assert.Equal("orchestration:CustomerOnboarding", order[1].Actor);
        Assert.Equal(OrderStatus.Provisioning, order[1].Before.As<Order>().Status);
        Assert.Equal(OrderStatus.Completed, order[1].After.As<Order>().Status);

        var customerRows = await AllAsync(provider, $"entity=customer&id={customerId}");
        Assert.Equal(["admin-user-created", "created"], customerRows.Select(r => r.Action));

        var subscription = await AllAsync(provider, $"entity=subscription&id={customerId}/{subscriptionId}");
        Assert.Equal(["quantity-changed", "created"], subscription.Select(r => r.Action));
        Assert.Equal(5, subscription[0].Before.As<Subscription>().Quantity);
        Assert.Equal(9, subscription[0].After.As<Subscription>().Quantity);

        var resellerRows = await AllAsync(provider, $"entity=reseller&id={reseller.Id}");
        Assert.Equal(["activated", "created"], resellerRows.Select(r => r.Action));
    }

    [Fact]
    public async Task The_audit_needs_a_known_entity_and_an_id()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();

        using var response = await provider.GetAsync("/api/audit?entity=planet");

        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey("entity"));
        Assert.True(problem.Errors.ContainsKey("id"));
    }
}
