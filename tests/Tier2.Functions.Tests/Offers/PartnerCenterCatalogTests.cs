using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tier2.Functions.Offers;
using Tier2.Functions.Orders;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.Offers;

/// <summary>
/// Offers from Partner Center's catalog: the three catalog calls against the local Partner Center, the sync into the
/// catalog table, <c>GET /api/offers</c> served from the table, the refresh endpoint, and a line no longer sold.
/// </summary>
public sealed class PartnerCenterCatalogTests
{
    private const string E3 = "CFQ7TTC0LF8Q:0001:CFQ7TTC0K8P5";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Products_are_asked_for_a_country_and_the_online_services_view_and_come_as_new_commerce_products()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();

        var products = await client.Products.ListAsync("GB").CollectAsync();

        Assert.Contains(products, p => p.Id == "CFQ7TTC0LF8Q" && p.Title == "Office 365 E3");
        Assert.All(products, p => Assert.Equal(Offer.NewCommerceProductType, p.ProductType?.Id));
        var call = Assert.Single(pc.RequestsTo("GET", "/v1/products"));
        Assert.Contains("country=GB", call.Query, StringComparison.Ordinal);
        Assert.Contains("targetView=OnlineServices", call.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skus_of_a_product_carry_their_licence_limits()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();

        var sku = Assert.Single(await client.Products.ListSkusAsync("CFQ7TTC0HCZS", "US").CollectAsync());

        Assert.Equal("0001", sku.Id);
        Assert.Equal("CFQ7TTC0HCZS", sku.ProductId);
        Assert.Equal(5, sku.MinimumQuantity);
        Assert.Equal(300, sku.MaximumQuantity);
        Assert.Contains("country=US", Assert.Single(pc.RequestsTo("GET", "/v1/products/CFQ7TTC0HCZS/skus")).Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Availabilities_of_a_sku_carry_the_catalog_item_id_a_cart_orders_and_their_terms()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();

        var availability = Assert.Single(await client.Products.ListAvailabilitiesAsync("CFQ7TTC0LF8Q", "0001", "US").CollectAsync());

        Assert.Equal(E3, availability.CatalogItemId);
        Assert.Equal($"{availability.ProductId}:{availability.SkuId}:{availability.Id}", availability.CatalogItemId);
        Assert.Contains(availability.Terms!, t => t.Duration == "P3Y" && t.BillingCycle == "triennial");
        Assert.Equal(6, availability.Terms!.Count);
    }

    [Fact]
    public async Task A_refresh_reads_the_catalog_into_the_table_and_offers_are_then_served_from_it_without_a_partner_center_call()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var provider = kit.Provider();

        var run = await RefreshAsync(provider);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Contains(run.Details, d => d.StartsWith("US: 6 offers (6 new,", StringComparison.Ordinal));
        Assert.Contains(run.Details, d => d.StartsWith("GB: 6 offers (6 new,", StringComparison.Ordinal));
        var calls = pc.Requests.Count;
        using var response = await provider.GetAsync("/api/offers");
        var offers = await ExpectAsync<IReadOnlyList<Offer>>(response, HttpStatusCode.OK);
        Assert.Equal(calls, pc.Requests.Count);

        // The local server's catalog is the bundled file's: the same offers, named by the bundled ids.
        var bundled = kit.Services.GetRequiredService<OfferCatalog>().Offers;
        Assert.Equal(bundled.Select(Describe).Order(StringComparer.Ordinal), offers.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Equal(6, (await kit.Services.GetRequiredService<OfferCatalogTable>().ReadAsync("GB", CancellationToken.None))!.Value.Offers.Count);

        // A second run finds nothing new.
        var again = await RefreshAsync(provider);
        Assert.Equal(0, again.Changed);
    }

    [Fact]
    public async Task Offers_are_listed_for_a_configured_country_and_an_unknown_one_is_a_400_naming_country()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var provider = kit.Provider();
        await RefreshAsync(provider);
        // GB's partition only: what a GB customer can buy differs from what a US one can.
        var table = kit.Services.GetRequiredService<OfferCatalogTable>();
        var gbOffers = (await table.ReadAsync("GB", CancellationToken.None))!.Value.Offers;
        await table.ReplaceAsync("GB", [.. gbOffers.Where(o => o.CatalogItemId != E3)], DateTimeOffset.UtcNow, CancellationToken.None);

        using var gb = await provider.GetAsync("/api/offers?country=gb");
        using var fr = await provider.GetAsync("/api/offers?country=FR");

        Assert.Equal(5, (await ExpectAsync<IReadOnlyList<Offer>>(gb, HttpStatusCode.OK)).Count);
        Assert.Contains(await OffersAsync(provider, "US"), o => o.CatalogItemId == E3);
        var problem = await ExpectAsync<HttpValidationProblemDetails>(fr, HttpStatusCode.BadRequest);
        Assert.Equal(["country"], problem.Errors.Keys);
        Assert.Contains("US, GB", problem.Errors["country"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_provider_admin_may_refresh_the_catalog()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var reseller = kit.Reseller(Guid.NewGuid().ToString("N"));
        using var anonymous = new HttpClient { BaseAddress = kit.Address };

        using var asReseller = await reseller.PostAsync("/api/offers/refresh", null);
        using var asNobody = await anonymous.PostAsync("/api/offers/refresh", null);

        Assert.Equal(HttpStatusCode.Forbidden, asReseller.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        Assert.Empty(pc.RequestsTo("GET", "/v1/products"));
    }

    [Fact]
    public async Task A_line_whose_catalog_item_partner_center_no_longer_sells_is_reviewed_as_no_longer_sold()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var provider = kit.Provider();
        await RefreshAsync(provider);
        var body = OrderBody(null, NewDomainPrefix("gone"), "Gone Ltd");
        body["lineItems"] = new[]
        {
            new Dictionary<string, object?> { ["catalogItemId"] = E3, ["quantity"] = 3, ["termDuration"] = "P1Y", ["billingCycle"] = "annual" },
            new Dictionary<string, object?> { ["offerId"] = "o365-e3", ["quantity"] = 3, ["termDuration"] = "P1Y", ["billingCycle"] = "annual" },
        };
        var (id, _, draft) = await CreateDraftAsync(provider, body);
        Assert.DoesNotContain(draft.Problems, p => p.Field.StartsWith("lineItems", StringComparison.Ordinal));
        Assert.Equal(["o365-e3", "o365-e3"], draft.LineItems.Select(l => l.OfferId));
        Assert.All(draft.LineItems, l => Assert.Equal(E3, l.CatalogItemId));

        Assert.True(pc.WithdrawCatalogItem(E3));
        await RefreshAsync(provider);
        var review = await provider.GetFromJsonAsync<OrderView>($"/api/orders/{id}");

        var gone = review!.Problems.Where(p => p.Code == OfferMatch.NoLongerSoldCode).ToList();
        Assert.Equal(["lineItems[0].catalogItemId", "lineItems[1].offerId"], gone.Select(p => p.Field));
        Assert.Contains($"'{E3}' is no longer sold in US", gone[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await OffersAsync(provider, "US"), o => o.CatalogItemId == E3);
    }

    [Fact]
    public async Task A_customer_in_a_country_the_provider_does_not_sell_in_is_reviewed_as_country_not_sold()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var provider = kit.Provider();
        await RefreshAsync(provider);
        var body = OrderBody(null, NewDomainPrefix("abroad"), "Abroad GmbH");
        var customer = (Dictionary<string, object?>)body["customer"]!;
        ((Dictionary<string, object?>)customer["address"]!)["country"] = "DE";

        var (_, _, draft) = await CreateDraftAsync(provider, body);

        var problem = Assert.Single(draft.Problems, p => p.Code == OfferMatch.CountryNotSoldCode);
        Assert.Equal("customer.address.country", problem.Field);
        Assert.Contains("Offers__Countries", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'DE'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catalog_read_that_fails_keeps_the_last_catalog_and_is_reported()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var kit = await StartAsync(configure: s => PartnerCenterTestKit.PointAt(s, pc));
        using var provider = kit.Provider();
        await RefreshAsync(provider);
        pc.ArmFault(new FaultSpec("/v1/products/*/skus", FaultKind.Error, "GET", Count: 1000, Status: 403, Code: 400036, Description: "targetView not allowed"));

        var run = await RefreshAsync(provider);

        Assert.Equal(2, run.Reported);
        Assert.Contains(run.Details, d => d.StartsWith("US: Partner Center's catalog could not be read, the last one stays", StringComparison.Ordinal));
        Assert.Equal(6, (await OffersAsync(provider, "US")).Count);
    }

    [Fact]
    public async Task With_partner_center_disabled_the_bundled_offers_file_sells_and_a_refresh_reads_nothing()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();

        var run = await RefreshAsync(provider);

        Assert.Contains("Partner Center is Disabled", Assert.Single(run.Details), StringComparison.Ordinal);
        Assert.Equal(kit.Services.GetRequiredService<OfferCatalog>().Offers.Select(Describe), (await OffersAsync(provider, "GB")).Select(Describe));
    }

    [Fact]
    public async Task The_openapi_document_describes_an_order_lines_catalog_item_and_the_offers_country()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetOpenApiDocumentAsync();

        Assert.Contains("no-longer-sold", document.Schema("OrderLine").Property("catalogItemId").Description, StringComparison.Ordinal);
        var operations = document.Operations();
        Assert.Contains("Offers__Countries", operations[nameof(OffersFeature.ListOffers)].Parameter("country").Description, StringComparison.Ordinal);
        Assert.True(operations.ContainsKey(nameof(OffersFeature.RefreshOffers)));
    }

    [Fact]
    public void The_local_partner_centers_seed_catalog_sells_exactly_the_bundled_offers()
    {
        var seed = JsonSerializer.Deserialize<CatalogSeed>(
            File.ReadAllText(Path.Combine(Repository.Root, "local", "Tier2.LocalPartnerCenter", "Seed", "catalog.json")), Web)!;
        var (bundled, errors) = OfferCatalog.Load(Path.Combine(Repository.Root, "functions", "Tier2.Functions", "Offers", "offers.json"));
        Assert.Empty(errors);

        var seeded = seed.Products.SelectMany(p => p.Skus.SelectMany(s => s.Availabilities.Select(a => new Offer(
            p.Tier2OfferId,
            s.Title,
            s.MinimumQuantity,
            s.MaximumQuantity,
            [.. a.Terms.Select(t => t.Duration).Distinct()],
            [.. a.Terms.Select(t => t.BillingCycle).Distinct()],
            $"{p.Id}:{s.Id}:{a.Id}"))));

        Assert.Equal(bundled.Select(Describe).Order(StringComparer.Ordinal), seeded.Select(Describe).Order(StringComparer.Ordinal));
    }

    private static string Describe(Offer o) =>
        $"{o.Id}|{o.Name}|{o.MinQuantity}..{o.MaxQuantity}|{string.Join(',', o.TermDurations.Order(StringComparer.Ordinal))}|{string.Join(',', o.BillingCycles.Order(StringComparer.Ordinal))}|{o.CatalogItemId}";

    private static async Task<ReconciliationRun> RefreshAsync(HttpClient provider)
    {
        using var response = await provider.PostAsync("/api/offers/refresh", null);
        return await ExpectAsync<ReconciliationRun>(response, HttpStatusCode.OK);
    }

    private static async Task<IReadOnlyList<Offer>> OffersAsync(HttpClient provider, string country)
    {
        using var response = await provider.GetAsync($"/api/offers?country={country}");
        return await ExpectAsync<IReadOnlyList<Offer>>(response, HttpStatusCode.OK);
    }
}
