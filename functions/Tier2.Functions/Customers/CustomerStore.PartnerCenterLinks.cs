using Azure.Data.Tables;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Customers;

/// <summary>
/// Which Tier2 customer a Partner Center customer is: every customer row's Partner Center id and domain prefix, read once
/// (one projected scan of the <c>customer</c> rows) for a whole list of Partner Center customers.
/// </summary>
public sealed class CustomerKeys
{
    private readonly Dictionary<string, string> _byPartnerCenterId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string CustomerId, string? PartnerCenterId)> _byDomainPrefix = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string customerId, string? partnerCenterId, string? domainPrefix)
    {
        if (partnerCenterId is not null)
        {
            _byPartnerCenterId[partnerCenterId] = customerId;
        }

        if (domainPrefix is not null)
        {
            _byDomainPrefix[domainPrefix] = (customerId, partnerCenterId);
        }
    }

    /// <summary>The row that carries this Partner Center id.</summary>
    public string? ByPartnerCenterId(string partnerCenterId) => _byPartnerCenterId.GetValueOrDefault(partnerCenterId);

    /// <summary>The row with this domain prefix, and the Partner Center id it carries (another id means another customer).</summary>
    public (string CustomerId, string? PartnerCenterId)? ByDomainPrefix(string domainPrefix) =>
        _byDomainPrefix.TryGetValue(domainPrefix, out var found) ? found : null;
}

/// <summary>Linking existing customer rows to Partner Center (the import of a reseller's customers).</summary>
public sealed partial class CustomerStore
{
    /// <summary>
    /// Every customer row's Partner Center id and domain prefix (one projected scan, for a whole list of Partner Center
    /// customers: the import and the drift check). Writes the Partner Center index rows that are missing (rows linked
    /// before the index existed), after one query of the index partition.
    /// </summary>
    public async Task<CustomerKeys> ReadKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new CustomerKeys();
        var linked = new List<(string CustomerId, string PartnerCenterId)>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {CustomerRow}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "PartnerCenterId", "DomainPrefix"], cancellationToken: cancellationToken))
        {
            keys.Add(e.PartitionKey, e.GetString("PartnerCenterId"), e.GetString("DomainPrefix"));
            if (e.GetString("PartnerCenterId") is { Length: > 0 } partnerCenterId)
            {
                linked.Add((e.PartitionKey, partnerCenterId));
            }
        }

        var indexed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in Index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartnerCenterPartition}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            indexed.Add(e.RowKey);
        }

        foreach (var (customerId, partnerCenterId) in linked.Where(l => PartnerCenterIndexKey(l.PartnerCenterId) is { } key && !indexed.Contains(key)))
        {
            await IndexPartnerCenterIdAsync(customerId, partnerCenterId, cancellationToken);
        }

        return keys;
    }

    /// <summary>
    /// Links an existing row to its Partner Center customer and delegates it to <paramref name="reseller"/>: the Partner
    /// Center id and the associated partner are filled where missing (never overwritten), the row remembers the import
    /// (<paramref name="importId"/>) with its audit row, then the Partner Center index row, the reseller relationship and list index rows follow (repaired
    /// when a crash left them out). False when there was nothing to link.
    /// </summary>
    public async Task<bool> LinkToPartnerCenterAsync(Customer customer, string partnerCenterId, Reseller reseller, string importId, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(reseller);
        var delegated = await HasResellerAsync(customer.Id, reseller.Id, cancellationToken);
        var linked = customer with
        {
            PartnerCenterId = customer.PartnerCenterId ?? partnerCenterId,
            AssociatedPartnerId = customer.AssociatedPartnerId ?? reseller.Id,
            LinkedByImportId = importId,
        };
        var changed = delegated is false || linked.PartnerCenterId != customer.PartnerCenterId || linked.AssociatedPartnerId != customer.AssociatedPartnerId;
        if (changed)
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(linked), new Azure.ETag(customer.ETag!)),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customer.Id, "customer", customer.Id, actor, "linked-to-partner-center", Describe(customer), Describe(linked), time.GetUtcNow())),
                ],
                cancellationToken);
        }

        await IndexPartnerCenterIdAsync(linked, cancellationToken);
        await AddResellerAsync(linked, reseller, actor, cancellationToken);

        // Always (an upsert): a repeat after a crash between the link and this row finds the list row up to date.
        await UpsertIndexAsync(AllPartition, linked, cancellationToken);

        return changed;
    }
}
