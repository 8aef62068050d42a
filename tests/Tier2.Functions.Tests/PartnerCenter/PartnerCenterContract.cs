using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>
/// What Tier2 relies on from Partner Center, checked with reads and harmless calls only, so the same suite runs against
/// the local Partner Center (always) and the integration sandbox (when its credentials are in the environment).
/// </summary>
public static class PartnerCenterContract
{
    public static async Task RunAsync(PartnerCenterClient client)
    {
        ArgumentNullException.ThrowIfNull(client);

        // App+User: the indirect resellers, each with a tenant id and a PartnerID, and each one's MPA status.
        var resellers = await client.Relationships.ListIndirectResellersAsync().CollectAsync();
        Assert.All(resellers, r =>
        {
            Assert.True(Guid.TryParse(r.Id, out _), $"reseller id {r.Id} is a tenant id");
            Assert.False(string.IsNullOrEmpty(r.MpnId));
            Assert.Equal(PartnerRelationship.IndirectProviderOf, r.RelationshipType);
        });
        if (resellers.FirstOrDefault() is { MpnId: { } mpnId })
        {
            _ = (await client.Compliance.GetAgreementStatusByMpnIdAsync(mpnId)).IsAgreementSigned;
        }

        // App-only: a domain nobody has is free; the MCA template exists; the catalog has NCE products with availabilities.
        Assert.True(await client.Domains.IsAvailableAsync($"tier2contract{Guid.NewGuid():N}"[..26] + ".onmicrosoft.com"));
        Assert.False(string.IsNullOrEmpty((await client.Agreements.GetMetadataAsync())?.TemplateId));
        var product = await client.Products.ListAsync("US").FirstItemAsync();
        var sku = await client.Products.ListSkusAsync(product.Id, "US").FirstItemAsync();
        var availability = await client.Products.ListAvailabilitiesAsync(product.Id, sku.Id, "US").FirstItemAsync();
        Assert.StartsWith($"{product.Id}:{sku.Id}:", availability.CatalogItemId, StringComparison.OrdinalIgnoreCase);

        // Customers page (at most two pages read); a customer Partner Center does not have is a 404 (reconciliation's "only Tier2 has it").
        var customers = await client.Customers.ListAsync(pageSize: 5).CollectAsync(10);
        var missing = await Assert.ThrowsAsync<PartnerCenterException>(() => client.Customers.GetAsync(Guid.NewGuid().ToString()));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Status);

        // App-only: one customer's audit records of the last 89 days (Partner Center keeps 90), filtered by CustomerId.
        if (customers.FirstOrDefault() is { } customer)
        {
            var records = await client.AuditRecords.ListForCustomerAsync(customer.Id, DateTimeOffset.UtcNow.AddDays(-89)).CollectAsync(50);
            Assert.All(records, r => Assert.Equal(customer.Id, r.CustomerId, ignoreCase: true));
        }

        // A documented refusal comes back typed: an address that cannot exist does not verify.
        var validation = await client.Validations.ValidateAddressAsync(new Address("US", "Nowhere", "ZZ", "1 Nonexistent Road", null, "00000"));
        Assert.False(validation.IsValid);
    }
}
