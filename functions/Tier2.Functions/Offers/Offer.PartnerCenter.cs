using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Offers;

/// <summary>An offer as Partner Center's catalog sells it: one availability of one NCE product's SKU (FACTS 6.1).</summary>
public sealed partial record Offer
{
    /// <summary>The product type of licence-based new commerce under <c>targetView=OnlineServices</c> (FACTS 6.1).</summary>
    public const string NewCommerceProductType = "OnlineServicesNCE";

    /// <summary>The <c>productId</c> and <c>skuId</c> of <see cref="CatalogItemId"/> (<c>{productId}:{skuId}:{availabilityId}</c>), or null.</summary>
    public (string ProductId, string SkuId)? ProductSku => CatalogItemId?.Split(':') is [var product, var sku, _] ? (product, sku) : null;

    /// <summary>
    /// The offer one availability makes, or null when it sells nothing Tier2 can order (not new commerce, no terms).
    /// Named by the bundled offer that orders the same catalog item (so an order or subscription naming
    /// <c>o365-e3</c> keeps its name), else by the catalog item id. Limits come from the SKU (1..100000 when it
    /// names none); terms and billing cycles from the availability's terms.
    /// </summary>
    public static Offer? FromPartnerCenter(Product product, Sku sku, Availability availability, string? bundledId)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(sku);
        ArgumentNullException.ThrowIfNull(availability);
        var terms = (availability.Terms ?? []).Where(t => !string.IsNullOrEmpty(t.Duration) && !string.IsNullOrEmpty(t.BillingCycle)).ToList();
        if (!string.Equals(product.ProductType?.Id, NewCommerceProductType, StringComparison.OrdinalIgnoreCase) || terms.Count == 0)
        {
            return null;
        }

        var catalogItemId = availability.CatalogItemId ?? $"{product.Id}:{sku.Id}:{availability.Id}";
        var min = Math.Max(1, sku.MinimumQuantity ?? 1);
        return new Offer(
            bundledId ?? catalogItemId,
            sku.Title ?? product.Title ?? catalogItemId,
            min,
            Math.Max(min, sku.MaximumQuantity ?? 100_000),
            [.. terms.Select(t => t.Duration!.ToUpperInvariant()).Distinct(StringComparer.Ordinal)],
            [.. terms.Select(t => t.BillingCycle!.ToLowerInvariant()).Distinct(StringComparer.Ordinal)],
            catalogItemId);
    }

    /// <summary>
    /// What an order line bought when the catalog no longer lists it (a sync after the checkout): named by its catalog
    /// item (or offer id), with the term and billing cycle bought and no licence limits of its own.
    /// </summary>
    public static Offer Bought(string? offerId, string? catalogItemId, string? termDuration, string? billingCycle)
    {
        var id = catalogItemId ?? offerId ?? throw new ArgumentException("An order line names an offer id or a catalog item id.", nameof(offerId));
        return new Offer(offerId ?? id, id, 1, 100_000, termDuration is null ? [] : [termDuration], billingCycle is null ? [] : [billingCycle], catalogItemId);
    }

    /// <summary>
    /// After a checkout refused a stale availability (404/400019, FACTS 2.2 and 6.1): the catalog item id of the
    /// availability, freshly read for the same product and SKU, that sells the line's term and billing cycle; null
    /// when none does any more.
    /// </summary>
    public static string? FreshCatalogItemId(IEnumerable<Availability> availabilities, string? termDuration, string? billingCycle) =>
        availabilities.FirstOrDefault(a => (a.Terms ?? []).Any(t =>
            string.Equals(t.Duration, termDuration, StringComparison.OrdinalIgnoreCase) && string.Equals(t.BillingCycle, billingCycle, StringComparison.OrdinalIgnoreCase))) is { } fresh
            ? fresh.CatalogItemId ?? $"{fresh.ProductId}:{fresh.SkuId}:{fresh.Id}"
            : null;
}
