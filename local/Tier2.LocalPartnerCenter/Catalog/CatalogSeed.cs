using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Seed/catalog.json: Tier2's offers as NCE products, skus and availabilities.</summary>
public sealed record CatalogSeed(IReadOnlyList<CatalogSeedProduct> Products);

/// <summary>A seeded product.</summary>
public sealed record CatalogSeedProduct(string Id, string Tier2OfferId, string Title, IReadOnlyList<CatalogSeedSku> Skus);

/// <summary>A seeded sku with its quantity limits.</summary>
public sealed record CatalogSeedSku(
    string Id, string Title, int MinimumQuantity, int MaximumQuantity, IReadOnlyList<CatalogSeedAvailability> Availabilities);

/// <summary>A seeded availability and its terms.</summary>
public sealed record CatalogSeedAvailability(string Id, IReadOnlyList<CatalogSeedTerm> Terms);

/// <summary>A term: duration (P1M/P1Y/P3Y) and billing cycle.</summary>
public sealed record CatalogSeedTerm(string Duration, string BillingCycle);

/// <summary>A purchasable catalog item resolved from a <c>catalogItemId</c>.</summary>
internal sealed record CatalogItem(CatalogSeedProduct Product, CatalogSeedSku Sku, CatalogSeedAvailability Availability)
{
    public string CatalogItemId => $"{Product.Id}:{Sku.Id}:{Availability.Id}";

    public bool Sells(string? termDuration, string? billingCycle) => Availability.Terms.Any(t =>
        string.Equals(t.Duration, termDuration, StringComparison.OrdinalIgnoreCase)
        && string.Equals(t.BillingCycle, billingCycle, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The catalog the server sells from (read once from the embedded seed).</summary>
internal sealed class Catalog
{
    private readonly CatalogSeed _seed;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _withdrawn = new(StringComparer.OrdinalIgnoreCase);

    private Catalog(CatalogSeed seed) => _seed = seed;

    public IReadOnlyList<CatalogSeedProduct> Products => _seed.Products;

    /// <summary>Stops selling an item (Microsoft retires availabilities): no longer listed, and a cart naming it is refused.</summary>
    public bool Withdraw(string catalogItemId) => Find(catalogItemId) is not null && _withdrawn.TryAdd(catalogItemId, true);

    /// <summary>The availabilities of a SKU still sold.</summary>
    public IEnumerable<CatalogSeedAvailability> Sold(CatalogSeedProduct product, CatalogSeedSku sku) =>
        sku.Availabilities.Where(a => !_withdrawn.ContainsKey($"{product.Id}:{sku.Id}:{a.Id}"));

    public static Catalog Load()
    {
        using Stream stream = typeof(Catalog).Assembly.GetManifestResourceStream("Tier2.LocalPartnerCenter.Seed.catalog.json")
            ?? throw new InvalidOperationException("The catalog seed is missing from the assembly.");
        CatalogSeed seed = JsonSerializer.Deserialize(stream, PartnerCenterJson.Default.CatalogSeed)
            ?? throw new InvalidOperationException("The catalog seed is empty.");
        return new Catalog(seed);
    }

    public CatalogSeedProduct? FindProduct(string productId) =>
        _seed.Products.FirstOrDefault(p => string.Equals(p.Id, productId, StringComparison.OrdinalIgnoreCase));

    /// <summary>The item a <c>{productId}:{skuId}:{availabilityId}</c> names, or null.</summary>
    public CatalogItem? Find(string? catalogItemId)
    {
        string[] parts = (catalogItemId ?? "").Split(':');
        if (parts.Length != 3 || FindProduct(parts[0]) is not { } product)
        {
            return null;
        }

        CatalogSeedSku? sku = product.Skus.FirstOrDefault(s => string.Equals(s.Id, parts[1], StringComparison.OrdinalIgnoreCase));
        CatalogSeedAvailability? availability =
            sku?.Availabilities.FirstOrDefault(a => string.Equals(a.Id, parts[2], StringComparison.OrdinalIgnoreCase));
        return sku is null || availability is null || _withdrawn.ContainsKey(catalogItemId!) ? null : new CatalogItem(product, sku, availability);
    }

    public static Product ToProduct(CatalogSeedProduct p) => new(
        p.Id, p.Title, p.Title, new ItemType("OnlineServicesNCE", "OnlineServicesNCE"), true, "Microsoft Corporation",
        new ResourceAttributes("Product"));

    public static Sku ToSku(CatalogSeedProduct p, CatalogSeedSku s) => new(
        s.Id, p.Id, s.Title, s.Title, s.MinimumQuantity, s.MaximumQuantity, false,
        s.Availabilities.SelectMany(a => a.Terms).Select(t => t.BillingCycle).Distinct().ToList(), new ResourceAttributes("Sku"));

    public static Availability ToAvailability(CatalogSeedProduct p, CatalogSeedSku s, CatalogSeedAvailability a, string country) => new(
        a.Id, p.Id, s.Id, $"{p.Id}:{s.Id}:{a.Id}", country, "commercial", true,
        a.Terms.Select(t => new AvailabilityTerm(t.Duration, DescribeTerm(t.Duration), t.BillingCycle)).ToList(),
        new ResourceAttributes("Availability"));

    private static string DescribeTerm(string duration) => duration switch
    {
        "P1M" => "1 Month",
        "P1Y" => "1 Year",
        "P3Y" => "3 Years",
        _ => duration,
    };
}
