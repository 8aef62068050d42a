using Microsoft.Extensions.Options;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Reconciliation;

namespace Tier2.Functions.Offers;

/// <summary>
/// Reconciliation job: reads Partner Center's new-commerce catalog of each configured country (products under
/// <c>targetView=OnlineServices</c> whose type is <c>OnlineServicesNCE</c>, their SKUs, each SKU's availabilities:
/// FACTS 6.1, App-only calls through the client) and makes the country's rows in <see cref="OfferCatalogTable"/>
/// match. A country whose read fails keeps its rows (reported); the others are replaced. A no-op while Partner
/// Center is Disabled (the bundled offers file sells then).
/// </summary>
public sealed class OfferCatalogSync(OfferCatalogTable table, OfferCatalog bundled, IServiceProvider services, IOptions<OffersOptions> offers, IOptions<PartnerCenterOptions> options) : IReconciliationJob
{
    public string Name => nameof(ReconciliationTimers.SyncOfferCatalog);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.Value.IsEnabled)
        {
            return new JobOutcome(0, 0, 0, null, ["Partner Center is Disabled (PartnerCenter__Mode): the bundled offers file sells; nothing to sync."]);
        }

        var products = services.GetRequiredService<PartnerCenterClient>().Products;
        int examined = 0, changed = 0, reported = 0;
        var details = new List<string>();
        foreach (var country in offers.Value.CountryList)
        {
            IReadOnlyList<Offer> read;
            try
            {
                read = await ReadAsync(products, country, cancellationToken);
            }
            catch (PartnerCenterException ex)
            {
                reported++;
                details.Add($"{country}: Partner Center's catalog could not be read, the last one stays: {ex.Message}");
                continue;
            }

            var change = await table.ReplaceAsync(country, read, context.Now, cancellationToken);
            examined += change.Offers;
            changed += change.Added + change.Changed + change.Removed.Count;
            details.Add($"{country}: {change.Offers} offers ({change.Added} new, {change.Changed} changed, {change.Removed.Count} no longer sold{(change.Removed.Count > 0 ? ": " + string.Join(", ", change.Removed) : string.Empty)})");
        }

        return new JobOutcome(examined, changed, reported, null, details);
    }

    /// <summary>Every new-commerce availability of the country, as offers: products, then each one's SKUs, then each SKU's availabilities.</summary>
    private async Task<IReadOnlyList<Offer>> ReadAsync(PartnerCenterProducts products, string country, CancellationToken cancellationToken)
    {
        var read = new List<Offer>();
        await foreach (var product in products.ListAsync(country, "OnlineServices", cancellationToken: cancellationToken))
        {
            if (!string.Equals(product.ProductType?.Id, Offer.NewCommerceProductType, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await foreach (var sku in products.ListSkusAsync(product.Id, country, cancellationToken))
            {
                await foreach (var availability in products.ListAvailabilitiesAsync(product.Id, sku.Id, country, cancellationToken))
                {
                    var itemId = availability.CatalogItemId ?? $"{product.Id}:{sku.Id}:{availability.Id}";
                    if (Offer.FromPartnerCenter(product, sku, availability, bundled.FindByCatalogItem(itemId)?.Id) is { } offer
                        && !read.Any(o => o.CatalogItemId == offer.CatalogItemId))
                    {
                        read.Add(offer);
                    }
                }
            }
        }

        return read;
    }
}
