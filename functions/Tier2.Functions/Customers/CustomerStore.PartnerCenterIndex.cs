using Azure.Data.Tables;
using Tier2.Functions.Storage;
using ETag = Azure.ETag;
using RequestFailedException = Azure.RequestFailedException;

namespace Tier2.Functions.Customers;

/// <summary>
/// Which Tier2 customer a Partner Center customer is, as a point read: <c>CustomerIndex</c> partition
/// <c>partner-center</c>, row key = the Partner Center customer id (lower case), <c>CustomerId</c> = the Tier2 row. The
/// index row is written (an upsert: repeating it changes nothing) wherever a row first gets its Partner Center id:
/// <see cref="CreateAsync"/> (onboarding in Partner Center, an imported customer), the import's link and
/// <see cref="SetPartnerCenterIdAsync"/> (a customer accepting the relationship). A row that got its id before the index
/// existed is found by the one-time fallback scan in <see cref="FindByPartnerCenterIdAsync"/>, which writes its index
/// row, and by <see cref="ReadKeysAsync"/> (the import and the drift check), which writes any that are missing.
/// </summary>
public sealed partial class CustomerStore
{
    public const string PartnerCenterPartition = "partner-center";

    /// <summary>
    /// The Tier2 customer that carries Partner Center customer <paramref name="partnerCenterId"/>, or else (a row not
    /// linked yet) the one with <paramref name="domainPrefix"/>, whatever Partner Center id that one carries (the caller
    /// decides). The id is a point read of the index; without an index row, one scan of the customer rows, whose find is
    /// indexed so the next look-up is a point read. The domain is a scan (only for an id no Tier2 row carries).
    /// </summary>
    public async Task<Customer?> FindByPartnerCenterIdAsync(string partnerCenterId, string? domainPrefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partnerCenterId);
        if (PartnerCenterIndexKey(partnerCenterId) is { } key
            && await Index.GetOrNullAsync<TableEntity>(PartnerCenterPartition, key, cancellationToken) is { } indexed
            && await GetAsync(indexed.GetString("CustomerId"), cancellationToken) is { } customer
            && CarriesPartnerCenterId(customer, partnerCenterId))
        {
            return customer;
        }

        // No index row (a row linked before the index existed), or a stale one (its customer was deleted).
        if (await FirstAsync($"RowKey eq {CustomerRow} and PartnerCenterId eq {partnerCenterId}", cancellationToken) is { } scanned)
        {
            await IndexPartnerCenterIdAsync(scanned, cancellationToken);
            return scanned;
        }

        return domainPrefix is null ? null : await FirstAsync($"RowKey eq {CustomerRow} and DomainPrefix eq {domainPrefix.ToLowerInvariant()}", cancellationToken);
    }

    /// <summary>
    /// Records that the row is Partner Center customer <paramref name="partnerCenterId"/>, with its audit row
    /// (<paramref name="action"/>, <paramref name="after"/>), then its index row. Fails with a 412 when the row changed
    /// since it was read.
    /// </summary>
    public async Task SetPartnerCenterIdAsync(Customer customer, string partnerCenterId, string actor, string action, string after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(customer.Id, CustomerRow) { ["PartnerCenterId"] = partnerCenterId }, new ETag(customer.ETag!)),
                new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customer.Id, "customer", customer.Id, actor, action, null, after, time.GetUtcNow())),
            ],
            cancellationToken);
        await IndexPartnerCenterIdAsync(customer.Id, partnerCenterId, cancellationToken);
    }

    /// <summary>Writes the row's Partner Center index row, if it has an id. Safe to repeat.</summary>
    private Task IndexPartnerCenterIdAsync(Customer customer, CancellationToken cancellationToken) =>
        IndexPartnerCenterIdAsync(customer.Id, customer.PartnerCenterId, cancellationToken);

    private async Task IndexPartnerCenterIdAsync(string customerId, string? partnerCenterId, CancellationToken cancellationToken)
    {
        if (partnerCenterId is not null && PartnerCenterIndexKey(partnerCenterId) is { } key)
        {
            await Index.UpsertEntityAsync(new TableEntity(PartnerCenterPartition, key) { ["CustomerId"] = customerId }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>Removes the row's Partner Center index row, unless it names another customer. Safe to repeat.</summary>
    private async Task DeletePartnerCenterIndexAsync(Customer customer, CancellationToken cancellationToken)
    {
        if (customer.PartnerCenterId is not { } id || PartnerCenterIndexKey(id) is not { } key
            || await Index.GetOrNullAsync<TableEntity>(PartnerCenterPartition, key, cancellationToken) is not { } row
            || row.GetString("CustomerId") != customer.Id)
        {
            return;
        }

        try
        {
            await Index.DeleteEntityAsync(row, row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.IsNotFound() || ex.Status == 412)
        {
            // Already gone, or rewritten for another customer meanwhile.
        }
    }

    /// <summary>The index row key of a Partner Center id; null when the id cannot be a row key (Tier2 then scans).</summary>
    internal static string? PartnerCenterIndexKey(string partnerCenterId) =>
        partnerCenterId.Length is > 0 and <= 512 && !partnerCenterId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            ? partnerCenterId.ToLowerInvariant()
            : null;

    private static bool CarriesPartnerCenterId(Customer customer, string partnerCenterId) =>
        string.Equals(customer.PartnerCenterId, partnerCenterId, StringComparison.OrdinalIgnoreCase);

    private async Task<Customer?> FirstAsync(FormattableString filter, CancellationToken cancellationToken)
    {
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(filter), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return FromEntity(e);
        }

        return null;
    }
}
