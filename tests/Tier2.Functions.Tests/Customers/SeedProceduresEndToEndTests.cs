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
            Assert.Contains((await ExpectAsync(offers, HttpStatusCode.OK)).EnumerateArray(), o => o.GetProperty("id").GetString() == "m365-business-premium");
        }

        var (orderId, etag, draft) = await CreateDraftAsync(provider, OrderBody(reseller.Id, prefix, "Tailspin Toys", ("m365-business-premium", 20, "P1Y", "monthly"), ("exchange-online-p1", 5, "P1M", "monthly")));

        // 4. Review: both lines, the reseller, nothing to fix.
        using (var review = await provider.GetAsync($"/api/orders/{orderId}"))
        {
            var view = await ExpectAsync(review, HttpStatusCode.OK);
            Assert.True(view.GetProperty("canSubmit").GetBoolean());
            Assert.Equal("Northwind Resale", view.GetProperty("reseller").GetProperty("companyName").GetString());
            Assert.Equal(2, view.GetProperty("lineItems").GetArrayLength());
            Assert.All(view.GetProperty("lineItems").EnumerateArray(), l => Assert.Equal(reseller.MpnId, l.GetProperty("partnerIdOnRecord").GetString()));
        }

        Assert.Equal(draft.GetProperty("id").GetString(), orderId);

        // 5. Submit (202 + Location), wait for the onboarding.
        var done = await SubmitAndWaitAsync(provider, orderId, etag);
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        var customerId = done.GetProperty("customerId").GetString()!;

        // 6. Confirmation: the setup info once; the second read is 410.
        using (var setup = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            var info = await ExpectAsync(setup, HttpStatusCode.OK);
            Assert.Equal($"admin@{prefix}.onmicrosoft.com", info.GetProperty("userName").GetString());
            Assert.False(string.IsNullOrEmpty(info.GetProperty("temporaryPassword").GetString()));
        }

        using (var again = await provider.GetAsync($"/api/orders/{orderId}/setup-info"))
        {
            await ExpectAsync(again, HttpStatusCode.Gone);
        }

        // 7. The customer is in the customers list filtered by the reseller, and the reseller's own token sees it.
        using (var list = await provider.GetAsync($"/api/customers?resellerId={reseller.Id}"))
        {
            Assert.Equal([customerId], (await ExpectAsync(list, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        }

        using (var own = await resellerAdmin.GetAsync($"/api/customers/{customerId}"))
        {
            var seen = await ExpectAsync(own, HttpStatusCode.OK);
            Assert.Equal(reseller.Id, seen.GetProperty("associatedPartnerId").GetString());
            Assert.Equal(2, seen.GetProperty("subscriptions").GetArrayLength());
        }

        // Second procedure: another subscription with the reseller as partner of record, then as support contact.
        using var bought = await provider.PostAsJsonAsync($"/api/customers/{customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 2, termDuration = "P1Y", billingCycle = "annual", partnerOfRecordResellerId = reseller.Id });
        var subscription = await ExpectAsync(bought, HttpStatusCode.Created);
        Assert.Equal(reseller.MpnId, subscription.GetProperty("partnerIdOnRecord").GetString());
        var subscriptionUrl = bought.Headers.Location!.OriginalString;
        using var support = await SendAsync(provider, HttpMethod.Patch, subscriptionUrl, new { supportContactResellerId = reseller.Id }, ifMatch: ETagOf(bought));
        var supported = await ExpectAsync(support, HttpStatusCode.OK);
        Assert.Equal(reseller.MpnId, supported.GetProperty("supportContact").GetProperty("supportMpnId").GetString());
        Assert.Equal(reseller.TenantId, supported.GetProperty("supportContact").GetProperty("supportTenantId").GetGuid());

        using var subscriptions = await resellerAdmin.GetAsync($"/api/customers/{customerId}/subscriptions");
        Assert.Equal(3, (await ExpectAsync(subscriptions, HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }
}
