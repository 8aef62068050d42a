using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Customers;

/// <summary>
/// The seed's two procedures over HTTP on Azurite: "Add new customers and associate them with indirect resellers"
/// and "Add new subscriptions to customer accounts". The reseller is partnered through the store (created, then
/// activated, as the accepted invite's orchestration does).
/// </summary>
public sealed class SeedProceduresEndToEndTests
{
    [Fact]
    public async Task A_provider_adds_a_customer_for_a_reseller_and_then_a_subscription_with_the_reseller_as_partner_and_support_contact()
    {
        await using var kit = await StartAsync();
        var reseller = await kit.CreateResellerAsync("Northwind Resale");
        using var provider = kit.Provider();
        using var resellerAdmin = kit.Reseller(reseller.Id);
        var prefix = NewDomainPrefix("tailspin");

        // 1-3. New customer for the reseller, with two subscriptions (offers from the catalog).
        using (var offers = await provider.GetAsync("/api/offers"))
        {
            Assert.Contains(await ExpectAsync<IReadOnlyList<Offer>>(offers, HttpStatusCode.OK), o => o.Id == "m365-business-premium");
        }

        var (orderId, etag, draft) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Tailspin Toys", ("m365-business-premium", 20, "P1Y", "monthly"), ("exchange-online-p1", 5, "P1M", "monthly")));

        // 4. Review: both lines, the reseller, nothing to fix.
        using (var review = await provider.GetAsync($"/api/orders/{orderId}"))
        {
            var view = await ExpectAsync<OrderView>(review, HttpStatusCode.OK);
            Assert.True(view.CanSubmit);
            Assert.Equal("Northwind Resale", view.Reseller!.CompanyName);
            Assert.Equal(2, view.LineItems.Count);
            Assert.All(view.LineItems, l => Assert.Equal(reseller.MpnId, l.PartnerIdOnRecord));
        }

        Assert.Equal(draft.Id, orderId);

        // 5. Submit (202 + Location), wait for the onboarding.
        var done = await SubmitAndWaitAsync(provider, orderId, etag);
        Assert.Equal(OrderStatus.Completed, done.Status);
        var customerId = done.CustomerId;

        // 6. Confirmation: the setup info once; the second read is 410.
        using (var setup = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            var info = await ExpectAsync<SetupInfo>(setup, HttpStatusCode.OK);
            Assert.Equal($"admin@{prefix}.onmicrosoft.com", info.UserName);
            Assert.False(string.IsNullOrEmpty(info.TemporaryPassword));
        }

        using (var again = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            await ExpectAsync(again, HttpStatusCode.Gone);
        }

        // 7. The customer is in the customers list filtered by the reseller, and the reseller's own token sees it.
        using (var list = await provider.GetAsync($"/api/customers?resellerId={reseller.Id}"))
        {
            Assert.Equal([customerId], (await ExpectAsync<Page<CustomerSummary>>(list, HttpStatusCode.OK)).Items.Select(c => c.Id));
        }

        using (var own = await resellerAdmin.GetAsync($"/api/customers/{customerId}"))
        {
            var seen = await ExpectAsync<CustomerView>(own, HttpStatusCode.OK);
            Assert.Equal(reseller.Id, seen.AssociatedPartnerId);
            Assert.Equal(2, seen.Subscriptions.Count);
        }

        // Second procedure: another subscription with the reseller as partner of record, then as support contact.
        using var bought = await provider.PostAsJsonAsync($"/api/customers/{customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 2, termDuration = "P1Y", billingCycle = "annual", partnerOfRecordResellerId = reseller.Id });
        var subscription = await ExpectAsync<Subscription>(bought, HttpStatusCode.Created);
        Assert.Equal(reseller.MpnId, subscription.PartnerIdOnRecord);
        var subscriptionUrl = bought.Headers.Location!.OriginalString;
        using var support = await SendAsync(provider, HttpMethod.Patch, subscriptionUrl, new { supportContactResellerId = reseller.Id }, ifMatch: ETagOf(bought));
        var supported = await ExpectAsync<Subscription>(support, HttpStatusCode.OK);
        Assert.Equal(reseller.MpnId, supported.SupportContact!.SupportMpnId);
        Assert.Equal(reseller.TenantId, supported.SupportContact!.SupportTenantId);

        using var subscriptions = await resellerAdmin.GetAsync($"/api/customers/{customerId}/subscriptions");
        Assert.Equal(3, (await ExpectAsync<Page<Subscription>>(subscriptions, HttpStatusCode.OK)).Items.Count);
    }
}
