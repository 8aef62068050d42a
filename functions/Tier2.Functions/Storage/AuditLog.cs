using System.Globalization;
using Azure.Data.Tables;

namespace Tier2.Functions.Storage;

/// <summary>
/// Audit rows live in the same table partition as the entity they describe, so a change and its audit row
/// commit in one entity-group transaction: there is never a change without its record, or the reverse.
/// Row key: <c>audit|{entityType}|{entityId}|{inverted ticks}{random}</c>, newest first.
/// </summary>
public static class AuditLog
{
    public const string RowPrefix = "audit|";

    public static TableEntity Entry(string partitionKey, string entityType, string entityId, string actor, string action, string? before, string? after, DateTimeOffset at)
    {
        var inverted = (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
        return new TableEntity(partitionKey, $"{RowPrefix}{entityType}|{entityId}|{inverted}{Guid.NewGuid().ToString("N")[..8]}")
        {
            ["EntityType"] = entityType,
            ["EntityId"] = entityId,
            ["Actor"] = actor,
            ["Action"] = action,
            ["Before"] = before,
            ["After"] = after,
            ["At"] = at,
        };
    }

    /// <summary>The row-key range of one entity's audit rows.</summary>
    public static (string From, string To) Range(string entityType, string entityId)
    {
        var prefix = $"{RowPrefix}{entityType}|{entityId}|";
        return (prefix, prefix + "~");
    }

    /// <summary>One page of an entity's audit rows, in row-key order, from the table and partition its store writes them to.</summary>
    public static async Task<Page<TableEntity>> ReadAsync(TableClient table, string partition, string entityType, string entityId, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var (from, to) = Range(entityType, entityId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to}");
        await foreach (var page in table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Page<TableEntity>(page.Values.ToList(), page.ContinuationToken);
        }

        return new Page<TableEntity>([], null);
    }
}
