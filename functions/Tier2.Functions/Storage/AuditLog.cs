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
}
