using Microsoft.Extensions.Options;
using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Offers;

/// <summary>What an order line names, found on a shelf: the offer, or the finding that says why not (field, code, message).</summary>
public sealed record OfferMatch(Offer? Offer, string Field, string? Code, string? Message)
{
    /// <summary>The problem code of a line whose catalog item Partner Center's catalog no longer lists.</summary>
    public const string NoLongerSoldCode = "no-longer-sold";

    /// <summary>The problem code of a customer whose country is not one of <c>Offers__Countries</c> (Partner Center Enabled).</summary>
    public const string CountryNotSoldCode = "country-not-sold";
}

/// <summary>
/// What one country sells at one moment: Partner Center's catalog as last synced (<see cref="SyncedAt"/> set), or the
/// bundled offers file (Partner Center Disabled, or the country never synced yet).
/// </summary>
public sealed record OfferShelf(string Country, IReadOnlyList<Offer> Offers, DateTimeOffset? SyncedAt, IReadOnlyList<Offer> Bundled)
{
    /// <summary>
    /// The offer a line names by <paramref name="catalogItemId"/> (which wins) or by <paramref name="offerId"/>. A name
    /// Tier2 knows (a bundled offer, or a well-formed catalog item id) that the synced catalog lacks is no longer sold.
    /// </summary>
    public OfferMatch Find(string? offerId, string? catalogItemId)
    {
        var field = catalogItemId is null ? "offerId" : "catalogItemId";
        var offer = catalogItemId is null
            ? Offers.FirstOrDefault(o => string.Equals(o.Id, offerId, StringComparison.OrdinalIgnoreCase))
            : Offers.FirstOrDefault(o => string.Equals(o.CatalogItemId, catalogItemId, StringComparison.OrdinalIgnoreCase));
        if (offer is not null)
        {
            return new OfferMatch(offer, field, null, null);
        }

        var name = catalogItemId ?? offerId;
        var known = catalogItemId is null ? Bundled.Any(o => string.Equals(o.Id, offerId, StringComparison.OrdinalIgnoreCase)) : catalogItemId.Split(':').Length == 3;
        return string.IsNullOrWhiteSpace(name)
            ? new OfferMatch(null, "offerId", "unknown-offer", "Choose an offer (offerId or catalogItemId).")
            : SyncedAt is { } at && known
                ? new OfferMatch(null, field, OfferMatch.NoLongerSoldCode, $"'{name}' is no longer sold in {Country}: Partner Center's catalog, read {at:yyyy-MM-dd HH:mm} UTC, does not list it (see GET /api/offers?country={Country}).")
                : new OfferMatch(null, field, "unknown-offer", $"Unknown offer '{name}' (see GET /api/offers?country={Country}).");
    }
}

/// <summary>
/// Where the offers come from: with Partner Center Enabled, the catalog table a sync filled (no Partner Center call
/// on a read); Disabled, or before a country's first sync, the bundled offers file.
/// </summary>
public sealed class OfferSource(OfferCatalog bundled, OfferCatalogTable table, IOptions<OffersOptions> options, IOptions<PartnerCenterOptions> partnerCenter)
{
    /// <summary>The configured countries (<c>Offers__Countries</c>); the first is the default.</summary>
    public IReadOnlyList<string> Countries => options.Value.CountryList;

    /// <summary>The configured country <paramref name="requested"/> names (default: the first), or null when it is not configured.</summary>
    public string? Country(string? requested) => requested is null
        ? Countries[0]
        : Countries.FirstOrDefault(c => string.Equals(c, requested.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The shelf of a customer in <paramref name="customerCountry"/>: its own country's when configured, else the default's
    /// (the review then reports the country as not sold, <see cref="OfferMatch.CountryNotSoldCode"/>).</summary>
    public Task<OfferShelf> ShelfForCustomerAsync(string? customerCountry, CancellationToken cancellationToken) =>
        ShelfAsync((customerCountry is null ? null : Country(customerCountry)) ?? Countries[0], cancellationToken);

    public async Task<OfferShelf> ShelfAsync(string country, CancellationToken cancellationToken)
    {
        if (partnerCenter.Value.IsEnabled && await table.ReadAsync(country, cancellationToken) is { } synced)
        {
            return new OfferShelf(country, synced.Offers, synced.SyncedAt, bundled.Offers);
        }

        return new OfferShelf(country, bundled.Offers, null, bundled.Offers);
    }
}
