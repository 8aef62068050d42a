using System.Text.Json;
using Azure.Data.Tables;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Offers;

/// <summary>
/// Partner Center's catalog as Tier2 last read it, a partition per country (table <c>OfferCatalog</c>): a row per
/// offer (RowKey = its catalog item id, the offer as JSON) and a <c>~synced</c> row saying when the country was last
/// read in full. A country without that row was never synced. Portal reads come from here, never from Partner Center.
/// </summary>
public sealed class OfferCatalogTable(TableServiceClient tables, StorageNames names)
{
    public const string TableName = "OfferCatalog";
    private const string SyncedRow = "~synced";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    /// <summary>The offers of <paramref name="country"/> and when they were read, or null when the country was never synced.</summary>
    public async Task<(IReadOnlyList<Offer> Offers, DateTimeOffset SyncedAt)?> ReadAsync(string country, CancellationToken cancellationToken)
    {
        var offers = new List<Offer>();
        DateTimeOffset? syncedAt = null;
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {country}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey == SyncedRow)
            {
                syncedAt = row.GetDateTimeOffset("SyncedAt");
            }
            else if (JsonSerializer.Deserialize(row.GetString("Offer"), OffersJsonContext.Default.Offer) is { } offer)
            {
                offers.Add(offer);
            }
        }

        return syncedAt is { } at ? (offers, at) : null;
    }

    /// <summary>
    /// Makes the country's rows what Partner Center sells now: new and changed offers written, the ones it no longer
    /// sells removed, then the <c>~synced</c> row. Called only with a complete read (a failed read changes nothing).
    /// </summary>
    public async Task<CatalogChange> ReplaceAsync(string country, IReadOnlyList<Offer> offers, DateTimeOffset syncedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offers);
        var before = (await ReadAsync(country, cancellationToken))?.Offers.ToDictionary(o => o.CatalogItemId!, StringComparer.Ordinal) ?? [];
        var added = 0;
        var changed = 0;
        foreach (var offer in offers)
        {
            var json = JsonSerializer.Serialize(offer, OffersJsonContext.Default.Offer);
            if (before.Remove(offer.CatalogItemId!, out var old))
            {
                if (JsonSerializer.Serialize(old, OffersJsonContext.Default.Offer) == json)
                {
                    continue;
                }

                changed++;
            }
            else
            {
                added++;
            }

            await Table.UpsertEntityAsync(new TableEntity(country, offer.CatalogItemId) { ["Name"] = offer.Name, ["Offer"] = json }, TableUpdateMode.Replace, cancellationToken);
        }

        foreach (var gone in before.Keys)
        {
            await Table.DeleteEntityAsync(country, gone, cancellationToken: cancellationToken);
        }

        await Table.UpsertEntityAsync(new TableEntity(country, SyncedRow) { ["SyncedAt"] = syncedAt, ["Offers"] = offers.Count }, TableUpdateMode.Replace, cancellationToken);
        return new CatalogChange(offers.Count, added, changed, [.. before.Keys]);
    }
}

/// <summary>What a sync changed in one country: offers now sold, new, changed, and the catalog items no longer sold.</summary>
public sealed record CatalogChange(int Offers, int Added, int Changed, IReadOnlyList<string> Removed);
