using Tier2.Functions.Customers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Customers;

/// <summary>A customer two resellers share: each reseller's view holds nothing of the other's.</summary>
public sealed class CustomerIsolationTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static async Task<T> ReadAsync<T>(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    [Fact]
    public async Task A_reseller_sees_no_order_id_partner_of_record_or_support_contact_of_another_reseller_on_a_shared_customer()
    {
        var owner = await _kit.CreateResellerAsync("Owner Reseller");
        var other = await _kit.CreateResellerAsync("Other Reseller");
        using var provider = _kit.Provider();
        var order = await OnboardAsync(provider, owner.Id, NewDomainPrefix(), "Shared Co", ("o365-e3", 1, "P1M", "monthly"));
        var orderId = order.Id;
        var customerId = order.CustomerId!;
        using (var added = await provider.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = other.Id }))
        {
            await ExpectAsync(added, HttpStatusCode.Created);
        }

        // The order's subscription: the owner is its partner of record; the other reseller becomes its support contact.
        var subscriptionId = (await ReadAsync<Page<Subscription>>(provider, $"/api/customers/{customerId}/subscriptions")).Items.Single().Id;
        using (var patched = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{customerId}/subscriptions/{subscriptionId}", new { supportContactResellerId = other.Id }, ifMatch: "*"))
        {
            await ExpectAsync(patched, HttpStatusCode.OK);
        }

        using var otherClient = _kit.Reseller(other.Id);
        var seenByOther = await ReadAsync<CustomerView>(otherClient, $"/api/customers/{customerId}");
        Assert.Null(seenByOther.OrderId);
        Assert.Null(seenByOther.AssociatedPartnerId);
        Assert.Equal([other.Id], seenByOther.Resellers.Select(r => r.ResellerId).ToArray());
        var subscriptionsSeenByOther = seenByOther.Subscriptions
            .Concat((await ReadAsync<Page<Subscription>>(otherClient, $"/api/customers/{customerId}/subscriptions")).Items)
            .Append(await ReadAsync<Subscription>(otherClient, $"/api/customers/{customerId}/subscriptions/{subscriptionId}"))
            .ToList();
        Assert.Equal(3, subscriptionsSeenByOther.Count);
        Assert.All(subscriptionsSeenByOther, s =>
        {
            Assert.Equal(subscriptionId, s.Id);
            Assert.Null(s.OrderId);
            Assert.Null(s.PartnerOfRecordResellerId);
            Assert.Null(s.PartnerIdOnRecord);
            Assert.Equal(other.Id, s.SupportContact?.ResellerId);
        });
        var raw = await otherClient.GetStringAsync($"/api/customers/{customerId}");
        Assert.DoesNotContain(orderId, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(owner.Id, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(owner.MpnId, raw, StringComparison.Ordinal);

        // The owner sees its own order and partner of record, and not the other reseller's support contact.
        using var ownerClient = _kit.Reseller(owner.Id);
        var seenByOwner = await ReadAsync<CustomerView>(ownerClient, $"/api/customers/{customerId}");
        Assert.Equal(orderId, seenByOwner.OrderId);
        var ownSubscription = Assert.Single(seenByOwner.Subscriptions);
        Assert.Equal(orderId, ownSubscription.OrderId);
        Assert.Equal(owner.Id, ownSubscription.PartnerOfRecordResellerId);
        Assert.Null(ownSubscription.SupportContact);

        // The provider sees everything.
        var seenByProvider = await ReadAsync<CustomerView>(provider, $"/api/customers/{customerId}");
        Assert.Equal(orderId, seenByProvider.OrderId);
        Assert.Equal(other.Id, Assert.Single(seenByProvider.Subscriptions).SupportContact?.ResellerId);
    }
}
