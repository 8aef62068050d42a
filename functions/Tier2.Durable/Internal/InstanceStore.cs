using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Tier2.Durable.Internal;

/// <summary>The state row of an instance: the instance record and the single-writer guard (its ETag).</summary>
internal sealed class InstanceState
{
    public required string InstanceId { get; init; }

    public required string Name { get; set; }

    public OrchestrationStatus Status { get; set; }

    public required string ExecutionId { get; set; }

    /// <summary>Bumped by ContinueAsNew and by a replacing schedule; history rows are keyed by it.</summary>
    public int Generation { get; set; }

    /// <summary>Episodes committed in this generation (0: not started).</summary>
    public int Episode { get; set; }

    /// <summary>The generation at which this instance was (re)created; older inbox rows belong to a replaced instance.</summary>
    public int IncarnationGeneration { get; set; }

    public string? Input { get; set; }

    public string? InputBlob { get; set; }

    public string? Output { get; set; }

    public string? OutputBlob { get; set; }

    public string? CustomStatus { get; set; }

    public string? CustomStatusBlob { get; set; }

    public FailureDetails? Failure { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastUpdatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? ParentInstanceId { get; set; }

    public string? ParentExecutionId { get; set; }

    public int? ParentTaskId { get; set; }

    /// <summary>W3C traceparent of the work that scheduled the instance: its episodes and activities continue that trace.</summary>
    public string? TraceParent { get; set; }

    public ETag ETag { get; set; }

    public bool IsTerminal => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;

    public InstanceState Clone() => (InstanceState)MemberwiseClone();

    public TableEntity ToEntity()
    {
        var e = new TableEntity(InstanceId, Rows.State)
        {
            ["Name"] = Name,
            ["Status"] = Status.ToString(),
            ["ExecutionId"] = ExecutionId,
            ["Generation"] = Generation,
            ["Episode"] = Episode,
            ["IncarnationGeneration"] = IncarnationGeneration,
            ["CreatedAt"] = CreatedAt,
            ["LastUpdatedAt"] = LastUpdatedAt,
        };
        Put(e, "Input", Input);
        Put(e, "InputBlob", InputBlob);
        Put(e, "Output", Output);
        Put(e, "OutputBlob", OutputBlob);
        Put(e, "CustomStatus", CustomStatus);
        Put(e, "CustomStatusBlob", CustomStatusBlob);
        Put(e, "Failure", Failure is null ? null : JsonSerializer.Serialize(Failure, DurableJsonContext.Default.FailureDetails));
        Put(e, "ParentInstanceId", ParentInstanceId);
        Put(e, "TraceParent", TraceParent);
        Put(e, "ParentExecutionId", ParentExecutionId);
        if (ParentTaskId is { } parentTask)
        {
            e["ParentTaskId"] = parentTask;
        }

        if (CompletedAt is { } completed)
        {
            e["CompletedAt"] = completed;
        }

        return e;
    }

    public static InstanceState FromEntity(TableEntity e)
    {
        var failure = e.GetString("Failure");
        return new InstanceState
        {
            InstanceId = e.PartitionKey,
            Name = e.GetString("Name") ?? string.Empty,
            Status = Enum.Parse<OrchestrationStatus>(e.GetString("Status") ?? nameof(OrchestrationStatus.Pending)),
            ExecutionId = e.GetString("ExecutionId") ?? string.Empty,
            Generation = e.GetInt32("Generation") ?? 0,
            Episode = e.GetInt32("Episode") ?? 0,
            IncarnationGeneration = e.GetInt32("IncarnationGeneration") ?? 0,
            Input = e.GetString("Input"),
            InputBlob = e.GetString("InputBlob"),
            Output = e.GetString("Output"),
            OutputBlob = e.GetString("OutputBlob"),
            CustomStatus = e.GetString("CustomStatus"),
            CustomStatusBlob = e.GetString("CustomStatusBlob"),
            Failure = failure is null ? null : JsonSerializer.Deserialize(failure, DurableJsonContext.Default.FailureDetails),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            LastUpdatedAt = e.GetDateTimeOffset("LastUpdatedAt") ?? default,
            CompletedAt = e.GetDateTimeOffset("CompletedAt"),
            ParentInstanceId = e.GetString("ParentInstanceId"),
            TraceParent = e.GetString("TraceParent"),
            ParentExecutionId = e.GetString("ParentExecutionId"),
            ParentTaskId = e.GetInt32("ParentTaskId"),
            ETag = e.ETag,
        };
    }

    private static void Put(TableEntity e, string name, string? value)
    {
        if (value is not null)
        {
            e[name] = value;
        }
    }
}

/// <summary>Row keys of an instance partition.</summary>
internal static class Rows
{
    public const string State = "state";
    public const string HistoryPrefix = "h-";
    public const string InboxPrefix = "i-";
    public const string ControlPrefix = "i-c-";
    public const string EventPrefix = "i-e-";
    public const string ResultPrefix = "i-r-";
    public const string TimerPrefix = "i-t-";

    public static string History(int generation, int episode, int part) =>
        string.Create(CultureInfo.InvariantCulture, $"h-{generation:D10}-{episode:D10}-{part:D3}");

    public static bool TryParseHistory(string rowKey, out int generation, out int episode, out int part)
    {
        generation = episode = part = 0;
        var pieces = rowKey.Split('-');
        return pieces.Length == 4 && pieces[0] == "h"
            && int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out generation)
            && int.TryParse(pieces[2], NumberStyles.None, CultureInfo.InvariantCulture, out episode)
            && int.TryParse(pieces[3], NumberStyles.None, CultureInfo.InvariantCulture, out part);
    }

    /// <summary>Controls and events are ordered by arrival (ticks), then made unique.</summary>
    public static string Arrival(string prefix, DateTimeOffset now, int offset = 0) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}{now.UtcTicks + offset:D19}-{Guid.NewGuid():N}");

    public static string BufferedResult(string executionId, int taskId) =>
        string.Create(CultureInfo.InvariantCulture, $"{ResultPrefix}{executionId}-{taskId:D10}");

    public static string BufferedTimer(string executionId, int taskId) =>
        string.Create(CultureInfo.InvariantCulture, $"{TimerPrefix}{executionId}-{taskId:D10}");
}

/// <summary>An instance partition as loaded: the state row, the current generation's history, and the inbox.</summary>
internal sealed class InstanceSnapshot
{
    public required InstanceState State { get; init; }

    public required List<HistoryEvent> History { get; init; }

    public required List<TableEntity> Inbox { get; init; }

    /// <summary>History rows of earlier generations (ContinueAsNew, replaced instance), deleted after the next commit.</summary>
    public required List<string> StaleRows { get; init; }

    /// <summary>The current generation's history row keys.</summary>
    public required List<string> HistoryRowKeys { get; init; }
}

internal sealed class InstanceStore(TableClient table)
{
    // Entity limit 1 MiB; binary property limit 64 KiB.
    private const int ChunkBytes = 60_000;
    private const int ChunksPerRow = 15;

    public TableClient Table => table;

    public async Task<InstanceState?> ReadStateAsync(string instanceId, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(instanceId, Rows.State, cancellationToken: ct).ConfigureAwait(false);
        return response.HasValue ? InstanceState.FromEntity(response.Value!) : null;
    }

    public async Task<InstanceSnapshot?> LoadAsync(string instanceId, CancellationToken ct)
    {
        TableEntity? stateRow = null;
        var historyRows = new List<TableEntity>();
        var inbox = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            if (row.RowKey == Rows.State)
            {
                stateRow = row;
            }
            else if (row.RowKey.StartsWith(Rows.HistoryPrefix, StringComparison.Ordinal))
            {
                historyRows.Add(row);
            }
            else if (row.RowKey.StartsWith(Rows.InboxPrefix, StringComparison.Ordinal))
            {
                inbox.Add(row);
            }
        }

        if (stateRow is null)
        {
            return null;
        }

        var state = InstanceState.FromEntity(stateRow);
        var stale = new List<string>();
        var current = new List<(int Episode, int Part, TableEntity Row)>();
        foreach (var row in historyRows)
        {
            if (!Rows.TryParseHistory(row.RowKey, out var gen, out var ep, out var part) || gen != state.Generation || ep > state.Episode)
            {
                // Older generations are garbage; an episode beyond the committed one cannot exist (rows and state commit together).
                stale.Add(row.RowKey);
                continue;
            }

            current.Add((ep, part, row));
        }

        var history = new List<HistoryEvent>();
        foreach (var episode in current.OrderBy(c => c.Episode).ThenBy(c => c.Part).GroupBy(c => c.Episode))
        {
            history.AddRange(ReadEvents(episode.Select(e => e.Row)));
        }

        inbox.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        return new InstanceSnapshot { State = state, History = history, Inbox = inbox, StaleRows = stale, HistoryRowKeys = current.Select(c => c.Row.RowKey).ToList() };
    }

    /// <summary>The rows holding one episode's events: JSON split into 60 KB binary properties, 15 per row.</summary>
    public static List<TableEntity> HistoryRows(string instanceId, int generation, int episode, List<HistoryEvent> events)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(events, DurableJsonContext.Default.ListHistoryEvent);
        var rows = new List<TableEntity>();
        var offset = 0;
        var part = 0;
        do
        {
            var row = new TableEntity(instanceId, Rows.History(generation, episode, part++));
            for (var chunk = 0; chunk < ChunksPerRow && offset < bytes.Length; chunk++)
            {
                var length = Math.Min(ChunkBytes, bytes.Length - offset);
                row["D" + chunk.ToString(CultureInfo.InvariantCulture)] = bytes.AsSpan(offset, length).ToArray();
                offset += length;
            }

            rows.Add(row);
        }
        while (offset < bytes.Length);
        return rows;
    }

    private static List<HistoryEvent> ReadEvents(IEnumerable<TableEntity> rows)
    {
        using var buffer = new MemoryStream();
        foreach (var row in rows)
        {
            for (var chunk = 0; chunk < ChunksPerRow; chunk++)
            {
                if (row.TryGetValue("D" + chunk.ToString(CultureInfo.InvariantCulture), out var value) && value is byte[] data)
                {
                    buffer.Write(data);
                }
                else if (row.TryGetValue("D" + chunk.ToString(CultureInfo.InvariantCulture), out value) && value is BinaryData binary)
                {
                    buffer.Write(binary.ToArray());
                }
                else
                {
                    break;
                }
            }
        }

        return JsonSerializer.Deserialize(buffer.ToArray(), DurableJsonContext.Default.ListHistoryEvent) ?? [];
    }

    /// <summary>
    /// Commits an episode in ONE entity-group transaction conditioned on the state row's ETag: the state row, the
    /// episode's history rows, consumed inbox rows (deleted) and buffered inbox rows (inserted). Returns false when
    /// another writer won (ETag changed, or a row it touched is gone): nothing was written.
    /// </summary>
    public async Task<bool> CommitAsync(InstanceState newState, ETag expected, IReadOnlyList<TableEntity> historyRows, IReadOnlyList<string> inboxDeletes, IReadOnlyList<TableEntity> inboxInserts, CancellationToken ct)
    {
        var actions = new List<TableTransactionAction>(1 + historyRows.Count + inboxDeletes.Count + inboxInserts.Count)
        {
            new(TableTransactionActionType.UpdateReplace, newState.ToEntity(), expected),
        };
        actions.AddRange(historyRows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        actions.AddRange(inboxDeletes.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(newState.InstanceId, k), ETag.All)));
        actions.AddRange(inboxInserts.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        if (actions.Count > 100)
        {
            throw new InvalidOperationException($"An episode commit of {actions.Count} operations exceeds the 100-operation transaction limit.");
        }

        try
        {
            var response = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            var etag = response.Value.Count > 0 ? response.Value[0].Headers.ETag : null;
            newState.ETag = etag ?? default;
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 409 or 404)
        {
            return false;
        }
    }

    /// <summary>Deletes rows that no commit needs any more (idempotent, best effort).</summary>
    public async Task DeleteRowsAsync(string instanceId, IReadOnlyList<string> rowKeys, CancellationToken ct)
    {
        foreach (var chunk in rowKeys.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(instanceId, k), ETag.All)), ct).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException)
            {
                foreach (var key in chunk)
                {
                    try
                    {
                        await table.DeleteEntityAsync(instanceId, key, ETag.All, ct).ConfigureAwait(false);
                    }
                    catch (RequestFailedException ex) when (ex.Status == 404)
                    {
                        // Already gone.
                    }
                }
            }
        }
    }

    public static TableEntity InboxRow(string instanceId, string rowKey, string kind, int generation) =>
        new(instanceId, rowKey) { ["Kind"] = kind, ["Generation"] = generation };
}
