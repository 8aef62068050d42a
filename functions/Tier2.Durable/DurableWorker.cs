using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Durable.Internal;

namespace Tier2.Durable;

/// <summary>
/// Runs the hub's two queues. The app's two queue functions (or two standalone listeners) call
/// <see cref="HandleOrchestrationMessageAsync"/> and <see cref="HandleActivityMessageAsync"/> with the message text
/// and its dequeue count. Returning deletes the message; throwing makes it retried; on the last allowed delivery
/// the instance is marked Failed with the reason before the exception is rethrown (the message is then poisoned).
/// </summary>
public sealed partial class DurableWorker
{
    // Spill payloads to blobs when an episode's events approach the 4 MiB transaction limit.
    private const int MaxEpisodeBytes = 2_500_000;
    private const int MaxCachedInstances = 10_000;
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(50);

    private readonly DurableStorage _storage;
    private readonly DurableRegistry _registry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InstanceStore _store;
    private readonly KeyedLocks _locks = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, InstanceSnapshot> _cache = new(StringComparer.Ordinal);
    private readonly DurableOptions _options;
    private readonly StepDispatcher _steps;

    public DurableWorker(DurableStorage storage, DurableRegistry registry, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(registry);
        _storage = storage;
        _registry = registry;
        _options = storage.Options;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _store = new InstanceStore(storage.History);
        _steps = new StepDispatcher(storage, _store, _time);
    }

    private enum EpisodeResult
    {
        Done,
        Conflict,
        More,

        /// <summary>A cached snapshot saw nothing to do: it may be stale (another worker moved on), so load and look again.</summary>
        Stale,
    }

    private PayloadStore Payloads => _storage.PayloadStore;

    public async Task HandleOrchestrationMessageAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var message = Parse(messageText, DurableJsonContext.Default.OrchestrationMessage);
        try
        {
            await HandleOrchestrationCoreAsync(message, dequeueCount > 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (dequeueCount >= _options.MaxDequeueCount && !cancellationToken.IsCancellationRequested)
        {
            var step = message.TaskId is { } task ? $"{message.Kind} message for step #{task}" : $"{message.Kind} message";
            await TryMarkFailedAsync(message.InstanceId, message.ExecutionId, PoisonFailure(ex, step, dequeueCount)).ConfigureAwait(false);
            throw;
        }
    }

    public async Task HandleActivityMessageAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var message = Parse(messageText, DurableJsonContext.Default.ActivityMessage);
        var step = $"activity '{message.Name}' #{message.TaskId}";
        using var trace = DurableTracing.Start("activity " + message.Name, message.TraceParent, message.InstanceId);
        try
        {
            var registration = _registry.FindActivity(message.Name)
                ?? throw new InvalidOperationException($"Activity '{message.Name}' is not registered on this worker.");
            var input = await Payloads.ResolveAsync(message.Input, message.InputBlob, cancellationToken).ConfigureAwait(false);
            var context = new ActivityContext(message.InstanceId, message.Name, message.TaskId, message.Generation, dequeueCount);
            string? output = null;
            FailureDetails? failure = null;
            try
            {
                output = await registration.Invoke(context, input, _options.SerializerOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = FailureDetails.FromException(ex, step);
            }

            _options.FaultPoint?.Invoke("after-activity-before-result-stored");
            var (inline, blob) = await Payloads.StoreAsync(message.InstanceId, output, cancellationToken).ConfigureAwait(false);
            await _storage.SendOrchestrationMessageAsync(
                new OrchestrationMessage
                {
                    Kind = MessageKinds.Result,
                    InstanceId = message.InstanceId,
                    ExecutionId = message.ExecutionId,
                    TaskId = message.TaskId,
                    Payload = inline,
                    PayloadBlob = blob,
                    Failure = failure,
                },
                null,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (dequeueCount >= _options.MaxDequeueCount && !cancellationToken.IsCancellationRequested)
        {
            await TryMarkFailedAsync(message.InstanceId, message.ExecutionId, PoisonFailure(ex, step, dequeueCount)).ConfigureAwait(false);
            throw;
        }
    }

    private static FailureDetails PoisonFailure(Exception ex, string step, long dequeueCount) =>
        new(
            "PoisonMessage",
            $"{step} failed {dequeueCount} time(s) and was moved to the poison queue; last error: {ex.GetType().Name}: {ex.Message}",
            null,
            step,
            FailureDetails.FromException(ex));

    private static T Parse<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        // The Functions host may hand a queue message over JSON-quoted.
        if (text.StartsWith('"'))
        {
            text = JsonSerializer.Deserialize<string>(text, JsonSerializerOptions.Default) ?? string.Empty;
        }

        return JsonSerializer.Deserialize(text, info) ?? throw new FormatException("Empty durable message.");
    }

    private async Task HandleOrchestrationCoreAsync(OrchestrationMessage message, bool redelivered, CancellationToken ct)
    {
        if (message.Kind == MessageKinds.Timer && message.FireAt is { } fireAt)
        {
            var remaining = fireAt - _time.GetUtcNow();
            if (remaining > TimerSlack)
            {
                // A chained long timer: not due yet, send the next hop.
                await SendTimerAsync(message.InstanceId, message.ExecutionId!, message.TaskId!.Value, fireAt, ct).ConfigureAwait(false);
                return;
            }

            if (remaining > TimeSpan.Zero)
            {
                // A few milliseconds early (visibility is whole seconds, clocks differ): wait them out, a timer never fires early.
                await Task.Delay(remaining, _time, ct).ConfigureAwait(false);
            }
        }

        if (message.Kind == MessageKinds.Timer)
        {
            _options.FaultPoint?.Invoke("during-timer");
        }

        using var gate = await _locks.AcquireAsync(message.InstanceId, ct).ConfigureAwait(false);
        OrchestrationMessage? item = message.Kind == MessageKinds.Wake ? null : message;
        for (var attempt = 0; ; attempt++)
        {
            // A result or timer for an instance whose last episode this worker committed starts from that episode's
            // state: no partition read. The commit is still conditioned on the state row's ETag, so if anyone else
            // wrote since, it fails and the episode re-runs on a fresh load. (Wake-ups mean inbox rows: always load.)
            InstanceSnapshot? snapshot;
            var fromCache = false;
            if (attempt == 0 && item is not null && !redelivered && _cache.TryGetValue(message.InstanceId, out var cached))
            {
                snapshot = cached;
                fromCache = true;
            }
            else
            {
                _cache.TryRemove(message.InstanceId, out _);
                snapshot = await _store.LoadAsync(message.InstanceId, ct).ConfigureAwait(false);
            }

            if (snapshot is null)
            {
                LogNoInstance(message.InstanceId, message.Kind);
                return;
            }

            var result = await RunEpisodeAsync(snapshot, item, redelivered, fromCache, ct).ConfigureAwait(false);
            if (result == EpisodeResult.Done)
            {
                return;
            }

            if (result == EpisodeResult.Stale)
            {
                // The cache is gone now, so this attempt loads the partition.
                _cache.TryRemove(message.InstanceId, out _);
                attempt = -1;
                continue;
            }

            if (result == EpisodeResult.More)
            {
                item = null;
                redelivered = false;
                attempt = -1;
                continue;
            }

            LogConflict(message.InstanceId, attempt + 1);
            if (attempt + 1 >= _options.MaxConflictRetries)
            {
                throw new InvalidOperationException($"Instance '{message.InstanceId}': lost the ETag race {attempt + 1} times in a row; the message will be retried.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * (attempt + 1)), _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<EpisodeResult> RunEpisodeAsync(InstanceSnapshot snapshot, OrchestrationMessage? item, bool redelivered, bool fromCache, CancellationToken ct)
    {
        var state = snapshot.State;
        using var trace = DurableTracing.Start("orchestration " + state.Name, state.TraceParent, state.InstanceId);
        var now = _time.GetUtcNow();
        if (state.IsTerminal)
        {
            if (snapshot.Inbox.Count > 0)
            {
                await _store.DeleteRowsAsync(state.InstanceId, snapshot.Inbox.Select(r => r.RowKey).ToList(), ct).ConfigureAwait(false);
            }

            if (redelivered)
            {
                await NotifyParentAsync(state, ct).ConfigureAwait(false);
            }

            return EpisodeResult.Done;
        }

        var history = snapshot.History;
        var newEvents = new List<HistoryEvent> { new() { Kind = HistoryEventKind.OrchestratorStarted, Timestamp = now } };
        var consumed = new List<string>();
        var inserts = new List<TableEntity>();
        var suspended = state.Status == OrchestrationStatus.Suspended;
        string? terminateReason = null;
        var terminate = false;
        var more = false;
        var budget = _options.MaxInboxRowsPerEpisode;

        // Controls first (their keys sort first), in arrival order.
        foreach (var row in snapshot.Inbox.Where(r => r.RowKey.StartsWith(Rows.ControlPrefix, StringComparison.Ordinal)))
        {
            if (consumed.Count >= budget)
            {
                more = true;
                break;
            }

            consumed.Add(row.RowKey);
            if ((row.GetInt32("Generation") ?? 0) < state.IncarnationGeneration)
            {
                continue; // Sent to an instance that has since been replaced.
            }

            switch (row.GetString("Control"))
            {
                case "terminate":
                    terminate = true;
                    terminateReason = row.GetString("Payload");
                    break;
                case "suspend" when !suspended:
                    suspended = true;
                    newEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionSuspended, Timestamp = now, Payload = row.GetString("Payload") });
                    break;
                case "resume" when suspended:
                    suspended = false;
                    newEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionResumed, Timestamp = now, Payload = row.GetString("Payload") });
                    break;
                default:
                    break;
            }

            if (terminate)
            {
                break;
            }
        }

        var started = history.Any(e => e.Kind == HistoryEventKind.ExecutionStarted);
        if (!terminate && !suspended)
        {
            if (!started)
            {
                newEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionStarted, Name = state.Name, Timestamp = now, Payload = state.Input, PayloadBlob = state.InputBlob });
            }

            var completed = CompletedSteps(history);
            foreach (var row in snapshot.Inbox.Where(r => !r.RowKey.StartsWith(Rows.ControlPrefix, StringComparison.Ordinal)))
            {
                if (consumed.Count >= budget)
                {
                    more = true;
                    break;
                }

                consumed.Add(row.RowKey);
                if (row.RowKey.StartsWith(Rows.EventPrefix, StringComparison.Ordinal))
                {
                    if ((row.GetInt32("Generation") ?? 0) >= state.IncarnationGeneration)
                    {
                        newEvents.Add(new HistoryEvent { Kind = HistoryEventKind.EventRaised, Name = row.GetString("Name"), Timestamp = now, Payload = row.GetString("Payload"), PayloadBlob = row.GetString("PayloadBlob") });
                    }
                }
                else if (row.GetBinary("Message") is { } buffered
                    && ToEvent(JsonSerializer.Deserialize(buffered, DurableJsonContext.Default.OrchestrationMessage)!, state, history, completed, now) is { } bufferedEvent)
                {
                    newEvents.Add(bufferedEvent);
                    completed.Add(bufferedEvent.TaskId!.Value);
                }
            }

            if (item is not null && ToEvent(item, state, history, completed, now) is { } itemEvent)
            {
                newEvents.Add(itemEvent);
            }
        }
        else if (!terminate && item is not null && item.ExecutionId == state.ExecutionId && item.TaskId is { } taskId)
        {
            // Suspended: keep the result or timer in the inbox until resumed.
            var key = item.Kind == MessageKinds.Timer ? Rows.BufferedTimer(state.ExecutionId, taskId) : Rows.BufferedResult(state.ExecutionId, taskId);
            if (!snapshot.Inbox.Any(r => r.RowKey == key) && !CompletedSteps(history).Contains(taskId))
            {
                var row = InstanceStore.InboxRow(state.InstanceId, key, item.Kind, state.Generation);
                row["Message"] = JsonSerializer.SerializeToUtf8Bytes(item, DurableJsonContext.Default.OrchestrationMessage);
                inserts.Add(row);
            }
        }

        if (newEvents.Count == 1 && consumed.Count == 0 && inserts.Count == 0 && !terminate)
        {
            if (fromCache)
            {
                // A result for a step the cached history has not scheduled: another worker committed since this one
                // cached the instance. Only a commit checks the ETag, so a no-op must not be trusted to a cached snapshot.
                return EpisodeResult.Stale;
            }

            // Nothing new: a duplicate or stale message, or the wake-up of work another episode already did.
            if (redelivered)
            {
                await ResendPendingAsync(state, history, snapshot.Inbox, ct).ConfigureAwait(false);
            }

            return EpisodeResult.Done;
        }

        EpisodeOutcome outcome;
        if (terminate)
        {
            outcome = new EpisodeOutcome { Status = OrchestrationStatus.Terminated, Output = terminateReason, Effective = true };
        }
        else if (newEvents.Any(e => e.Kind is HistoryEventKind.ExecutionStarted or HistoryEventKind.EventRaised or HistoryEventKind.ActivityCompleted or HistoryEventKind.ActivityFailed
            or HistoryEventKind.TimerFired or HistoryEventKind.SubOrchestrationCompleted or HistoryEventKind.SubOrchestrationFailed))
        {
            var orchestrator = _registry.FindOrchestrator(state.Name)
                ?? throw new InvalidOperationException($"Orchestrator '{state.Name}' is not registered on this worker.");
            var payloads = await ResolvePayloadsAsync(history.Concat(newEvents), ct).ConfigureAwait(false);
            outcome = OrchestrationRunner.Run(
                orchestrator,
                state,
                history,
                newEvents,
                e => e.PayloadBlob is null ? e.Payload : payloads[e.PayloadBlob],
                _options.SerializerOptions,
                _logger);
            if (suspended)
            {
                outcome.Status = outcome.Status == OrchestrationStatus.Running ? OrchestrationStatus.Suspended : outcome.Status;
            }
        }
        else
        {
            outcome = new EpisodeOutcome { Status = suspended ? OrchestrationStatus.Suspended : OrchestrationStatus.Running, Effective = true };
        }

        if (!outcome.Effective && consumed.Count == 0 && inserts.Count == 0)
        {
            if (fromCache)
            {
                return EpisodeResult.Stale;
            }

            // Only a cancelled timer fired: recording it would change nothing.
            if (redelivered)
            {
                await ResendPendingAsync(state, history, snapshot.Inbox, ct).ConfigureAwait(false);
            }

            return EpisodeResult.Done;
        }

        var next = state.Clone();
        next.LastUpdatedAt = now;
        next.Episode = state.Episode + 1;
        next.Status = outcome.Status is OrchestrationStatus.Running && suspended ? OrchestrationStatus.Suspended : outcome.Status;
        if (outcome.CustomStatusSet)
        {
            (next.CustomStatus, next.CustomStatusBlob) = await Payloads.StoreAsync(state.InstanceId, outcome.CustomStatus, ct).ConfigureAwait(false);
        }

        await ExternalizeActionsAsync(state.InstanceId, outcome.NewActions, ct).ConfigureAwait(false);
        var episodeEvents = new List<HistoryEvent>(newEvents);
        episodeEvents.AddRange(outcome.NewActions);
        var staleRows = new List<string>(snapshot.StaleRows);
        switch (outcome.Status)
        {
            case OrchestrationStatus.Completed:
                (next.Output, next.OutputBlob) = await Payloads.StoreAsync(state.InstanceId, outcome.Output, ct).ConfigureAwait(false);
                next.CompletedAt = now;
                episodeEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionCompleted, Timestamp = now });
                break;
            case OrchestrationStatus.Failed:
                next.Failure = outcome.Failure;
                next.CompletedAt = now;
                episodeEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionFailed, Timestamp = now, Failure = outcome.Failure });
                break;
            case OrchestrationStatus.Terminated:
                (next.Output, next.OutputBlob) = await Payloads.StoreAsync(state.InstanceId, outcome.Output, ct).ConfigureAwait(false);
                next.CompletedAt = now;
                episodeEvents.Add(new HistoryEvent { Kind = HistoryEventKind.ExecutionTerminated, Timestamp = now, Payload = outcome.Output });
                break;
            default:
                break;
        }

        List<TableEntity> historyRows;
        if (outcome.ContinuedAsNew)
        {
            // A new execution with an empty history: the old generation's rows become garbage.
            next.Generation = state.Generation + 1;
            next.Episode = 0;
            next.ExecutionId = Guid.NewGuid().ToString("N");
            next.Status = suspended ? OrchestrationStatus.Suspended : OrchestrationStatus.Running;
            (next.Input, next.InputBlob) = await Payloads.StoreAsync(state.InstanceId, outcome.NewInput, ct).ConfigureAwait(false);
            historyRows = [];
            staleRows.AddRange(snapshot.HistoryRowKeys);
            var offset = 0;
            foreach (var carried in outcome.CarriedEvents.Take(budget))
            {
                var row = InstanceStore.InboxRow(state.InstanceId, Rows.Arrival(Rows.EventPrefix, now, offset++), "event", next.Generation);
                row["Name"] = carried.Name;
                PutIfNotNull(row, "Payload", carried.Payload);
                PutIfNotNull(row, "PayloadBlob", carried.PayloadBlob);
                inserts.Add(row);
            }
        }
        else
        {
            await SpillAsync(state.InstanceId, episodeEvents, ct).ConfigureAwait(false);
            historyRows = InstanceStore.HistoryRows(state.InstanceId, state.Generation, next.Episode, episodeEvents);
        }

        _options.FaultPoint?.Invoke("before-commit");
        if (!await _store.CommitAsync(next, state.ETag, historyRows, consumed, inserts, ct).ConfigureAwait(false))
        {
            return EpisodeResult.Conflict;
        }

        LogCommitted(state.InstanceId, next.Generation, next.Episode, next.Status, outcome.NewActions.Count);
        if (next.Status == OrchestrationStatus.Running && !outcome.ContinuedAsNew && inserts.Count == 0 && next.ETag != default && !more)
        {
            if (_cache.Count >= MaxCachedInstances)
            {
                _cache.Clear();
            }

            var cachedHistory = new List<HistoryEvent>(history);
            cachedHistory.AddRange(episodeEvents);
            _cache[state.InstanceId] = new InstanceSnapshot
            {
                State = next,
                History = cachedHistory,
                Inbox = [],
                StaleRows = [],
                HistoryRowKeys = snapshot.HistoryRowKeys.Concat(historyRows.Select(r => r.RowKey)).ToList(),
            };
        }
        else
        {
            _cache.TryRemove(state.InstanceId, out _);
        }

        _options.FaultPoint?.Invoke("after-commit-before-send");

        // After the commit: send what the episode decided. A crash here is repaired when the triggering message
        // is redelivered (the lease expires): a redelivered message re-sends every step still pending in history.
        if (outcome.ContinuedAsNew)
        {
            await _storage.WakeAsync(state.InstanceId, ct).ConfigureAwait(false);
        }
        else if (redelivered)
        {
            var fullHistory = new List<HistoryEvent>(history);
            fullHistory.AddRange(episodeEvents);
            await ResendPendingAsync(next, fullHistory, snapshot.Inbox.Where(r => !consumed.Contains(r.RowKey)).Concat(inserts).ToList(), ct).ConfigureAwait(false);
        }
        else
        {
            await Task.WhenAll(outcome.NewActions.Select(a => DispatchAsync(next, a, ct))).ConfigureAwait(false);
            if (next.IsTerminal)
            {
                await NotifyParentAsync(next, ct).ConfigureAwait(false);
            }
        }

        if (staleRows.Count > 0)
        {
            try
            {
                await _store.DeleteRowsAsync(state.InstanceId, staleRows, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex)
            {
                LogCleanupFailed(ex, state.InstanceId);
            }
        }

        return more ? EpisodeResult.More : EpisodeResult.Done;
    }

    private static void PutIfNotNull(TableEntity row, string name, string? value)
    {
        if (value is not null)
        {
            row[name] = value;
        }
    }

    private static HashSet<int> CompletedSteps(IEnumerable<HistoryEvent> history) => StepDispatcher.CompletedSteps(history);

    /// <summary>The history event a result or timer message stands for; null when stale or a duplicate.</summary>
    private static HistoryEvent? ToEvent(OrchestrationMessage message, InstanceState state, List<HistoryEvent> history, HashSet<int> completed, DateTimeOffset now)
    {
        if (message.ExecutionId != state.ExecutionId || message.TaskId is not { } taskId || completed.Contains(taskId))
        {
            return null;
        }

        var scheduled = history.FirstOrDefault(e => e.TaskId == taskId && e.Kind is HistoryEventKind.ActivityScheduled or HistoryEventKind.TimerCreated or HistoryEventKind.SubOrchestrationScheduled);
        if (scheduled is null)
        {
            return null;
        }

        var kind = (message.Kind, scheduled.Kind) switch
        {
            (MessageKinds.Timer, HistoryEventKind.TimerCreated) => HistoryEventKind.TimerFired,
            (MessageKinds.Result, HistoryEventKind.ActivityScheduled) => message.Failure is null ? HistoryEventKind.ActivityCompleted : HistoryEventKind.ActivityFailed,
            (MessageKinds.Result, HistoryEventKind.SubOrchestrationScheduled) => message.Failure is null ? HistoryEventKind.SubOrchestrationCompleted : HistoryEventKind.SubOrchestrationFailed,
            _ => (HistoryEventKind?)null,
        };
        return kind is null
            ? null
            : new HistoryEvent { Kind = kind.Value, TaskId = taskId, Name = scheduled.Name, Timestamp = now, Payload = message.Payload, PayloadBlob = message.PayloadBlob, Failure = message.Failure, FireAt = message.FireAt };
    }

    private async Task<Dictionary<string, string>> ResolvePayloadsAsync(IEnumerable<HistoryEvent> events, CancellationToken ct)
    {
        var names = events.Where(e => e.PayloadBlob is not null).Select(e => e.PayloadBlob!).Distinct(StringComparer.Ordinal).ToList();
        var texts = await Task.WhenAll(names.Select(n => Payloads.ResolveAsync(null, n, ct))).ConfigureAwait(false);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            map[names[i]] = texts[i]!;
        }

        return map;
    }

    private async Task ExternalizeActionsAsync(string instanceId, List<HistoryEvent> actions, CancellationToken ct)
    {
        foreach (var action in actions.Where(a => Payloads.IsLarge(a.Payload)))
        {
            // A child's input lives under the child's prefix, so purging either instance leaves the other whole.
            var owner = action.Kind == HistoryEventKind.SubOrchestrationScheduled ? action.InstanceId! : instanceId;
            action.PayloadBlob = await Payloads.StoreLargeAsync(owner, action.Payload!, ct).ConfigureAwait(false);
            action.Payload = null;
        }
    }

    /// <summary>Keeps one episode's history within the transaction size limit by moving its largest inline payloads to blobs.</summary>
    private async Task SpillAsync(string instanceId, List<HistoryEvent> events, CancellationToken ct)
    {
        long total = events.Sum(e => (long)(e.Payload?.Length ?? 0) * 2);
        foreach (var e in events.Where(e => e.Payload is { Length: > 1024 }).OrderByDescending(e => e.Payload!.Length))
        {
            if (total <= MaxEpisodeBytes)
            {
                break;
            }

            total -= e.Payload!.Length * 2L;
            var owner = e.Kind == HistoryEventKind.SubOrchestrationScheduled ? e.InstanceId! : instanceId;
            e.PayloadBlob = await Payloads.StoreLargeAsync(owner, e.Payload, ct).ConfigureAwait(false);
            e.Payload = null;
        }
    }

    /// <summary>Re-sends every step of the current execution that history has scheduled but not completed (crash recovery).</summary>
    private async Task ResendPendingAsync(InstanceState state, List<HistoryEvent> history, IReadOnlyList<TableEntity> inbox, CancellationToken ct)
    {
        if (state.IsTerminal)
        {
            await NotifyParentAsync(state, ct).ConfigureAwait(false);
            return;
        }

        var pending = StepDispatcher.PendingSteps(history, inbox);
        if (pending.Count > 0)
        {
            LogResending(state.InstanceId, pending.Count);
        }

        await Task.WhenAll(pending.Select(p => DispatchAsync(state, p, ct))).ConfigureAwait(false);
    }

    private Task DispatchAsync(InstanceState state, HistoryEvent action, CancellationToken ct) => _steps.DispatchAsync(state, action, ct);

    private Task SendTimerAsync(string instanceId, string executionId, int taskId, DateTimeOffset fireAt, CancellationToken ct) =>
        _steps.SendTimerAsync(instanceId, executionId, taskId, fireAt, ct);

    private Task NotifyParentAsync(InstanceState child, CancellationToken ct) => _steps.NotifyParentAsync(child, ct);

    /// <summary>Marks an instance Failed outside an episode (poison), unless it already finished or moved on to another execution.</summary>
    private async Task TryMarkFailedAsync(string instanceId, string? executionId, FailureDetails failure)
    {
        try
        {
            if (await _steps.MarkFailedAsync(instanceId, executionId, failure, CancellationToken.None).ConfigureAwait(false) == MarkFailedResult.Marked)
            {
                LogPoisoned(instanceId, failure.ErrorMessage);
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or InvalidOperationException)
        {
            LogMarkFailedFailed(ex, instanceId);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "No instance '{InstanceId}' for a {Kind} message (purged or never created); message dropped")]
    private partial void LogNoInstance(string instanceId, string kind);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Instance '{InstanceId}': another writer committed first (attempt {Attempt}); episode abandoned and re-run")]
    private partial void LogConflict(string instanceId, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Instance '{InstanceId}' committed generation {Generation} episode {Episode}: {Status}, {Actions} new step(s)")]
    private partial void LogCommitted(string instanceId, int generation, int episode, OrchestrationStatus status, int actions);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Instance '{InstanceId}': redelivered message, re-sending {Count} pending step(s)")]
    private partial void LogResending(string instanceId, int count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Instance '{InstanceId}' marked Failed: {Reason}")]
    private partial void LogPoisoned(string instanceId, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Could not mark instance '{InstanceId}' Failed")]
    private partial void LogMarkFailedFailed(Exception exception, string instanceId);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Deleting stale rows of instance '{InstanceId}' failed; they are retried after a later commit")]
    private partial void LogCleanupFailed(Exception exception, string instanceId);
}
