using Microsoft.Extensions.Options;
using Tier2.Functions.Offers;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Offers;

public sealed class OfferCatalogTests
{
    [Fact]
    public async Task Offers_lists_the_catalog_with_limits_terms_and_billing_cycles()
    {
        await using var kit = await CustomerTestKit.StartAsync();
        using var reseller = kit.Reseller(Guid.NewGuid().ToString("N"));

        using var response = await reseller.GetAsync("/api/offers");

        var offers = await CustomerTestKit.ExpectAsync<IReadOnlyList<Offer>>(response, HttpStatusCode.OK);
        var e3 = offers.Single(o => o.Id == "o365-e3");
        Assert.Equal("Office 365 E3", e3.Name);
        Assert.Equal(1, e3.MinQuantity);
        Assert.Equal(300, e3.MaxQuantity);
        Assert.Equal(["P1M", "P1Y", "P3Y"], e3.TermDurations);
        Assert.Equal(["monthly", "annual", "triennial"], e3.BillingCycles);
    }

    [Theory]
    [InlineData("""{ "offers": [ { "id": "x", "name": "X", "minQuantity": 10, "maxQuantity": 5, "termDurations": ["P1M"], "billingCycles": ["monthly"] } ] }""", "offers[0] ('x'): quantities")]
    [InlineData("""{ "offers": [ { "id": "x", "name": "X", "minQuantity": 1, "maxQuantity": 5, "termDurations": ["P2M"], "billingCycles": ["monthly"] } ] }""", "termDurations")]
    [InlineData("""{ "offers": [ { "id": "x", "name": "X", "minQuantity": 1, "maxQuantity": 5, "termDurations": ["P1M"], "billingCycles": ["monthly"] }, { "id": "X", "name": "Y", "minQuantity": 1, "maxQuantity": 5, "termDurations": ["P1M"], "billingCycles": ["weekly"] } ] }""", "offers[1] ('X'): id is used by another offer")]
    [InlineData("""{ "offers": [ }""", "cannot be read")]
    [InlineData("""{ "offers": [] }""", "has no offers")]
    public async Task An_invalid_catalog_stops_start_up_naming_the_problem(string catalog, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"offers-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, catalog);
        try
        {
            var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
            settings["Email:SenderAddress"] = "noreply@contoso.example";
            settings["Email:SmtpHost"] = "127.0.0.1";
            settings["Offers:CatalogPath"] = path;
            await using var app = TestApp.Build(settings);

            var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains(ex.Failures, f => f.Contains("Offers__CatalogPath", StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("US,GBR")]
    [InlineData("")]
    [InlineData("U1")]
    public async Task Countries_that_are_not_iso_two_letter_codes_stop_start_up_naming_the_setting(string countries)
    {
        var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
        settings["Offers:Countries"] = countries;
        await using var app = TestApp.Build(settings);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith("Setting 'Offers__Countries' must list ISO 3166 two-letter country codes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_billing_cycle_must_fit_the_term()
    {
        var offer = new Offer("o", "O", 1, 10, ["P1M", "P1Y", "P3Y"], ["monthly", "annual", "triennial"]);

        Assert.Empty(OfferCatalog.CheckPurchase(offer, 5, "P1Y", "annual"));
        Assert.Equal(["billingCycle"], OfferCatalog.CheckPurchase(offer, 5, "P1M", "annual").Select(e => e.Field));
        Assert.Equal(["billingCycle"], OfferCatalog.CheckPurchase(offer, 5, "P1Y", "triennial").Select(e => e.Field));
        Assert.Equal(["quantity"], OfferCatalog.CheckPurchase(offer, 11, "P3Y", "triennial").Select(e => e.Field));
    }
}
