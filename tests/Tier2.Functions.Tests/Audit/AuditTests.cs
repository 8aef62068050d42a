using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Audit;

public sealed class AuditTests
{
    private static async Task<List<JsonElement>> AllAsync(HttpClient client, string query)
    {
        var rows = new List<JsonElement>();
        string? token = null;
        do
        {
            using var response = await client.GetAsync($"/api/audit?{query}&pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            var page = await ExpectAsync(response, HttpStatusCode.OK);
            rows.AddRange(page.GetProperty("items").EnumerateArray());
            token = page.GetProperty("continuationToken").GetString();
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
        var orderId = done.GetProperty("id").GetString()!;
        var customerId = done.GetProperty("customerId").GetString()!;
        using (var setup = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            await ExpectAsync(setup, HttpStatusCode.OK);
        }

        using var customer = await provider.GetAsync($"/api/customers/{customerId}");
        var subscriptionId = (await ExpectAsync(customer, HttpStatusCode.OK)).GetProperty("subscriptions")[0].GetProperty("id").GetString()!;
        using var read = await provider.GetAsync($"/api/customers/{customerId}/subscriptions/{subscriptionId}");
        using (var patch = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{customerId}/subscriptions/{subscriptionId}", new { quantity = 9 }, ifMatch: ETagOf(read)))
        {
            await ExpectAsync(patch, HttpStatusCode.OK);
        }

        var order = await AllAsync(provider, $"entity=order&id={orderId}");
        Assert.Equal(["setup-info-read", "completed", "admin-user-created", "provisioning", "submitted", "created"], order.Select(r => r.GetProperty("action").GetString()));
        Assert.All(order, r => Assert.DoesNotContain("encryptedPassword", r.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("provider-admin:", order[^1].GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal("orchestration:CustomerOnboarding", order[1].GetProperty("actor").GetString());
        Assert.Equal("Provisioning", order[1].GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("Completed", order[1].GetProperty("after").GetProperty("status").GetString());

        var customerRows = await AllAsync(provider, $"entity=customer&id={customerId}");
        Assert.Equal(["admin-user-created", "created"], customerRows.Select(r => r.GetProperty("action").GetString()));

        var subscription = await AllAsync(provider, $"entity=subscription&id={customerId}/{subscriptionId}");
        Assert.Equal(["quantity-changed", "created"], subscription.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal(5, subscription[0].GetProperty("before").GetProperty("quantity").GetInt32());
        Assert.Equal(9, subscription[0].GetProperty("after").GetProperty("quantity").GetInt32());

        var resellerRows = await AllAsync(provider, $"entity=reseller&id={reseller.Id}");
        Assert.Equal(["activated", "created"], resellerRows.Select(r => r.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task The_audit_needs_a_known_entity_and_an_id()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();

        using var response = await provider.GetAsync("/api/audit?entity=planet");

        var problem = await ExpectAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("entity", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _));
    }
}
