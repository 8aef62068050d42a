using Azure;
using Azure.Data.Tables;
using Tier2.Durable.Internal;

namespace Tier2.Durable;

/// <summary>Starts, inspects and controls orchestration instances of one hub.</summary>
public sealed class DurableClient
{
    private readonly DurableStorage _storage;
    private readonly InstanceStore _store;
    private readonly TimeProvider _time;

    public DurableClient(DurableStorage storage, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _store = new InstanceStore(storage.History);
        _time = time ?? TimeProvider.System;
    }

    private PayloadStore Payloads => _storage.PayloadStore;

    /// <summary>
    /// Schedules a new instance and returns its id. An id already used by a live instance is refused with
    /// <see cref="InstanceAlreadyExistsException"/> unless <see cref="StartOrchestrationOptions.ReplaceExisting"/>;
    /// a terminal one is replaced (new execution, old history discarded).
    /// </summary>
    public async Task<string> ScheduleNewAsync(string orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orchestratorName);
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        InstanceIds.Validate(instanceId);
        var json = PayloadSerializer.SerializeObject(input, _storage.Options.SerializerOptions);
        var (inline, blob) = await Payloads.StoreAsync(instanceId, json, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var state = new InstanceState
        {
            InstanceId = instanceId,
            Name = orchestratorName,
            Status = OrchestrationStatus.Pending,
            ExecutionId = Guid.NewGuid().ToString("N"),
            Input = inline,
            InputBlob = blob,
            CreatedAt = now,
            LastUpdatedAt = now,
            TraceParent = DurableTracing.CurrentTraceParent(),
        };

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _storage.History.AddEntityAsync(state.ToEntity(), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var existing = await _store.ReadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    continue; // Purged meanwhile: try the insert again.
                }

                if (!existing.IsTerminal && options?.ReplaceExisting != true)
                {
                    if (existing.Status == OrchestrationStatus.Pending)
                    {
                        // A retried schedule whose first attempt died before its wake-up was sent: send it now.
                        await _storage.WakeAsync(instanceId, cancellationToken).ConfigureAwait(false);
                    }

                    throw new InstanceAlreadyExistsException($"Instance '{instanceId}' already exists and is {existing.Status}.")
                    {
                        InstanceId = instanceId,
                        ExistingStatus = existing.Status,
                    };
                }

                // Replace: a new generation; its history rows and inbox start empty (older ones are ignored and cleaned up).
                state.Generation = existing.Generation + 1;
                state.IncarnationGeneration = state.Generation;
                try
                {
                    await _storage.History.UpdateEntityAsync(state.ToEntity(), existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (RequestFailedException conflict) when (conflict.Status is 412 or 404 && attempt < 10)
                {
                    // Changed meanwhile: look again.
                }
            }
        }

        await _storage.WakeAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return instanceId;
    }

    public async Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool includeInputOutput = true, bool includeHistory = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (includeHistory)
        {
            var snapshot = await _store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            return snapshot is null ? null : await ToMetadataAsync(snapshot.State, includeInputOutput, snapshot.History, cancellationToken).ConfigureAwait(false);
        }

        var state = await _store.ReadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return state is null ? null : await ToMetadataAsync(state, includeInputOutput, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Instances by status and creation time, a page at a time (pass back <see cref="InstancePage.ContinuationToken"/>).</summary>
    public async Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        var filter = StateRowFilter(query.Statuses, query.CreatedFrom, query.CreatedTo, null);
        var results = new List<OrchestrationMetadata>();
        var token = query.ContinuationToken;

        // A server page may hold fewer matches than asked (the filter runs over every row); keep reading a few pages.
        for (var round = 0; round < 10 && results.Count < pageSize; round++)
        {
            await foreach (var page in _storage.History.QueryAsync<TableEntity>(filter, pageSize - results.Count, cancellationToken: cancellationToken)
                .AsPages(token, pageSize - results.Count).ConfigureAwait(false))
            {
                foreach (var row in page.Values)
                {
                    results.Add(await ToMetadataAsync(InstanceState.FromEntity(row), query.IncludeInputOutput, null, cancellationToken).ConfigureAwait(false));
                }

                token = page.ContinuationToken;
                break;
            }

            if (token is null)
            {
                break;
            }
        }

        return new InstancePage(results, token);
    }

    /// <summary>Sends an event to an instance; it is buffered until the orchestrator waits for it.</summary>
    public async Task<InstanceRequestResult> RaiseEventAsync(string instanceId, string eventName, object? eventData = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        var json = PayloadSerializer.SerializeObject(eventData, _storage.Options.SerializerOptions);
        return await SendToInboxAsync(instanceId, Rows.EventPrefix, "event", row =>
        {
            row["Name"] = eventName;
            return json;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Terminates a live instance (its output becomes the reason); outstanding activities' results are ignored.</summary>
    public Task<InstanceRequestResult> TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, "terminate", reason, cancellationToken);

    /// <summary>Suspends an instance: arriving results, timers and events are kept in its inbox until it is resumed.</summary>
    public Task<InstanceRequestResult> SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, "suspend", reason, cancellationToken);

    public Task<InstanceRequestResult> ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, "resume", reason, cancellationToken);

    /// <summary>Deletes a terminal instance: every row of its partition and every blob under its prefix, nothing else.</summary>
    public async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var state = await _store.ReadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return PurgeResult.InstanceNotFound;
        }

        if (!state.IsTerminal)
        {
            return PurgeResult.InstanceNotTerminal;
        }

        await Payloads.DeletePrefixAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        await foreach (var row in _storage.History.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey != Rows.State)
            {
                keys.Add(row.RowKey);
            }
        }

        // The state row goes last, so an interrupted purge can simply be repeated.
        await _store.DeleteRowsAsync(instanceId, keys, cancellationToken).ConfigureAwait(false);
        try
        {
            await _storage.History.DeleteEntityAsync(instanceId, Rows.State, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Purged concurrently.
        }

        return PurgeResult.Purged;
    }

    /// <summary>Purges terminal instances with these statuses (all terminal ones when null) that completed before a time; returns how many.</summary>
    public async Task<int> PurgeInstancesAsync(IReadOnlyCollection<OrchestrationStatus>? statuses, DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        var terminal = (statuses is { Count: > 0 } ? statuses : [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated])
            .Where(s => s is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated)
            .ToList();
        if (terminal.Count == 0)
        {
            return 0;
        }

        var filter = StateRowFilter(terminal, null, null, completedBefore);
        var ids = new List<string>();
        await foreach (var row in _storage.History.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(row.PartitionKey);
        }

        var purged = 0;
        foreach (var id in ids)
        {
            if (await PurgeInstanceAsync(id, cancellationToken).ConfigureAwait(false) == PurgeResult.Purged)
            {
                purged++;
            }
        }

        return purged;
    }

    /// <summary>Polls the state row (one point read per poll) until the instance is terminal.</summary>
    public async Task<OrchestrationMetadata> WaitForCompletionAsync(string instanceId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            var state = await _store.ReadStateAsync(instanceId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Instance '{instanceId}' does not exist.");
            if (state.IsTerminal)
            {
                return await ToMetadataAsync(state, true, null, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string StateRowFilter(IReadOnlyCollection<OrchestrationStatus>? statuses, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, DateTimeOffset? completedBefore)
    {
        var parts = new List<string> { TableClient.CreateQueryFilter($"RowKey eq {Rows.State}") };
        if (statuses is { Count: > 0 })
        {
            parts.Add("(" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}"))) + ")");
        }

        if (createdFrom is { } from)
        {
            parts.Add(TableClient.CreateQueryFilter($"CreatedAt ge {from}"));
        }

        if (createdTo is { } to)
        {
            parts.Add(TableClient.CreateQueryFilter($"CreatedAt lt {to}"));
        }

        if (completedBefore is { } before)
        {
            parts.Add(TableClient.CreateQueryFilter($"CompletedAt lt {before}"));
        }

        return string.Join(" and ", parts);
    }

    private Task<InstanceRequestResult> SendControlAsync(string instanceId, string control, string? reason, CancellationToken ct) =>
        SendToInboxAsync(instanceId, Rows.ControlPrefix, "control", row =>
        {
            row["Control"] = control;
            return reason is null ? null : System.Text.Json.JsonSerializer.Serialize(reason, DurableJsonContext.Default.String);
        }, ct);

    private async Task<InstanceRequestResult> SendToInboxAsync(string instanceId, string prefix, string kind, Func<TableEntity, string?> fill, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await _store.ReadStateAsync(instanceId, ct).ConfigureAwait(false);
        if (state is null)
        {
            return InstanceRequestResult.InstanceNotFound;
        }

        if (state.IsTerminal)
        {
            return InstanceRequestResult.InstanceNotRunning;
        }

        var row = InstanceStore.InboxRow(instanceId, Rows.Arrival(prefix, _time.GetUtcNow()), kind, state.Generation);
        var json = fill(row);
        var (inline, blob) = await Payloads.StoreAsync(instanceId, json, ct).ConfigureAwait(false);
        if (inline is not null)
        {
            row["Payload"] = inline;
        }

        if (blob is not null)
        {
            row["PayloadBlob"] = blob;
        }

        await _storage.History.AddEntityAsync(row, ct).ConfigureAwait(false);
        await _storage.WakeAsync(instanceId, ct).ConfigureAwait(false);
        return InstanceRequestResult.Accepted;
    }

    private async Task<OrchestrationMetadata> ToMetadataAsync(InstanceState state, bool includeInputOutput, IReadOnlyList<HistoryEvent>? history, CancellationToken ct)
    {
        string? input = null, output = null;
        if (includeInputOutput)
        {
            input = await Payloads.ResolveAsync(state.Input, state.InputBlob, ct).ConfigureAwait(false);
            output = await Payloads.ResolveAsync(state.Output, state.OutputBlob, ct).ConfigureAwait(false);
        }

        return new OrchestrationMetadata
        {
            InstanceId = state.InstanceId,
            Name = state.Name,
            Status = state.Status,
            ExecutionId = state.ExecutionId,
            CreatedAt = state.CreatedAt,
            LastUpdatedAt = state.LastUpdatedAt,
            CompletedAt = state.CompletedAt,
            Input = input,
            Output = output,
            CustomStatus = await Payloads.ResolveAsync(state.CustomStatus, state.CustomStatusBlob, ct).ConfigureAwait(false),
            Failure = state.Failure,
            ParentInstanceId = state.ParentInstanceId,
            History = history,
        };
    }
}
