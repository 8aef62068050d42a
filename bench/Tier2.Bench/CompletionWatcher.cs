using Azure.Data.Tables;

namespace Tier2.Bench;

/// <summary>
/// Finds finished instances in DTFx's instance table with one small query per poll (the benchmark's, not counted):
/// rows written since the last poll (server Timestamp, with a margin); CreatedTime and, for Completed, LastUpdatedTime.
/// </summary>
internal sealed class CompletionWatcher(TableClient table, DateTimeOffset since)
{
    private static readonly string[] Columns = ["PartitionKey", "RuntimeStatus", "CreatedTime", "LastUpdatedTime", "Timestamp"];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _since = since;

    public async Task<List<(string Id, DateTimeOffset Created, DateTimeOffset Completed)>> PollAsync()
    {
        var found = new List<(string, DateTimeOffset, DateTimeOffset)>();
        var filter = TableClient.CreateQueryFilter($"Timestamp ge {_since}");
        var newest = _since;
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: Columns))
            {
                var stamp = row.Timestamp ?? _since;
                newest = stamp > newest ? stamp : newest;
                var status = row.GetString("RuntimeStatus");
                if (status is "Failed" or "Terminated" or "Canceled")
                {
                    throw new InvalidOperationException($"Instance {row.PartitionKey} ended {status}.");
                }

                if (status == "Completed" && _seen.Add(row.PartitionKey))
                {
                    found.Add((row.PartitionKey, row.GetDateTimeOffset("CreatedTime")!.Value, row.GetDateTimeOffset("LastUpdatedTime")!.Value));
                }
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return found; // the hub's tables are created by the host as it starts
        }

        _since = newest - TimeSpan.FromSeconds(2);
        return found;
    }
}
