using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Durable.Internal;

namespace Tier2.Durable;

/// <summary>
/// Repairs what message loss and crash loops leave behind, so nothing stays silently Pending or Running:
/// <see cref="RepairStuckInstancesAsync"/> re-sends the messages that stalled instances are missing (bounded by a
/// budget, resumable by a continuation token) and fails the few that can never progress;
/// <see cref="SweepPoisonQueuesAsync"/> fails the instances of poison messages and settles the messages.
/// Both are idempotent and safe next to running workers and each other: every re-sent message is one a
/// redelivery would send (receivers dedupe by task id and execution id), and every write is conditioned on the
/// state row's ETag.
/// </summary>
public sealed partial class DurableMaintenance
{
    /// <summary>State-row property: when repair last re-sent messages (dropped by the next episode's commit).</summary>
    internal const string RepairedAtProperty = "RepairedAt";

    /// <summary>State-row property: task ids of overdue timers repair re-sent since the last commit (each is re-sent once).</summary>
    internal const string RepairedTimersProperty = "RepairedTimers";

    private static readonly TimeSpan PoisonLease = TimeSpan.FromMinutes(1);

    private readonly DurableStorage _storage;
    private readonly InstanceStore _store;
    private readonly StepDispatcher _steps;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public DurableMaintenance(DurableStorage storage, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _store = new InstanceStore(storage.History);
        _steps = new StepDispatcher(storage, _store, _time);
    }

    /// <summary>
    /// Looks at Pending, Running and Suspended instances whose last progress (<c>LastUpdatedAt</c>) is older than
    /// <see cref="RepairOptions.StuckThreshold"/>, at most <see cref="RepairOptions.MaxInstances"/> of them from
    /// <see cref="RepairOptions.ContinuationToken"/> on, and for each one that is missing a message re-sends it:
    /// the wake-up of an instance never started or with unconsumed inbox rows, the work item of a scheduled
    /// activity, an overdue timer, the start of a missing child or a finished child's result. An instance whose
    /// state contradicts its history is failed with the reason. Pass the returned token back to continue.
    /// </summary>
    public async Task<RepairReport> RepairStuckInstancesAsync(RepairOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.StuckThreshold < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "StuckThreshold must not be negative.");
        }

        var budget = Math.Max(1, options.MaxInstances);
        var now = _time.GetUtcNow();
        var cutoff = now - options.StuckThreshold;
        var retryCutoff = now - (options.RetryRepairAfter ?? options.StuckThreshold);
        var filter = string.Join(" and ", [
            TableClient.CreateQueryFilter($"RowKey eq {Rows.State}"),
            "(" + TableClient.CreateQueryFilter($"Status eq {nameof(OrchestrationStatus.Pending)}")
                + " or " + TableClient.CreateQueryFilter($"Status eq {nameof(OrchestrationStatus.Running)}")
                + " or " + TableClient.CreateQueryFilter($"Status eq {nameof(OrchestrationStatus.Suspended)}") + ")",
            TableClient.CreateQueryFilter($"LastUpdatedAt lt {cutoff}"),
        ]);

        var examined = 0;
        var repairs = new List<InstanceRepair>();
        var token = string.IsNullOrEmpty(options.ContinuationToken) ? null : options.ContinuationToken;
        while (examined < budget)
        {
            // Ask for no more than the budget left, so a run never stops inside a page it was given.
            Page<TableEntity>? page = null;
            await foreach (var p in _storage.History.QueryAsync<TableEntity>(filter, budget - examined, cancellationToken: cancellationToken)
                .AsPages(token, budget - examined).ConfigureAwait(false))
            {
                page = p;
                break;
            }

            if (page is null)
            {
                token = null;
                break;
            }

            foreach (var row in page.Values)
            {
                examined++;
                if (row.GetDateTimeOffset(RepairedAtProperty) is { } repairedAt && repairedAt > retryCutoff)
                {
                    continue; // Re-sent recently and not progressed since: give those messages time.
                }

                var repair = await ExamineAsync(row, cutoff, now, options, cancellationToken).ConfigureAwait(false);
                if (repair is not null)
                {
                    repairs.Add(repair);
                    LogRepair(repair.InstanceId, repair.Outcome, repair.Description);
                }
            }

            token = page.ContinuationToken;
            if (token is null)
            {
                break;
            }
        }

        return new RepairReport(examined, repairs, token);
    }

    /// <summary>
    /// Reads up to <paramref name="maxMessages"/> messages from the two poison queues. For each, the instance it
    /// belongs to is marked Failed ("poison message: &lt;step&gt; failed N times") unless it is already finished, gone
    /// or on another execution; then the message is deleted (its outcome is in the report and, for a failed instance,
    /// in the instance's failure). A message that cannot be read is reported with its text and deleted.
    /// </summary>
    public async Task<PoisonSweepReport> SweepPoisonQueuesAsync(int maxMessages = 100, CancellationToken cancellationToken = default)
    {
        var results = new List<PoisonMessageResult>();
        var examined = 0;
        foreach (var (queue, activity) in new[] { (_storage.OrchestrationPoisonQueue, false), (_storage.ActivityPoisonQueue, true) })
        {
            while (examined < maxMessages)
            {
                Azure.Storage.Queues.Models.QueueMessage[] messages;
                try
                {
                    messages = (await queue.ReceiveMessagesAsync(Math.Min(32, maxMessages - examined), PoisonLease, cancellationToken).ConfigureAwait(false)).Value;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    break; // The poison queue was never created: nothing was ever poisoned.
                }

                if (messages.Length == 0)
                {
                    break;
                }

                foreach (var message in messages)
                {
                    examined++;
                    var result = await SettlePoisonAsync(queue, activity, message.Body?.ToString() ?? string.Empty, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    }
                    catch (RequestFailedException ex) when (ex.Status == 404)
                    {
                        // Another sweep settled it meanwhile.
                    }

                    results.Add(result);
                    LogPoison(queue.Name, result.InstanceId, result.Outcome, result.Description);
                }
            }
        }

        return new PoisonSweepReport(examined, results);
    }

    private async Task<PoisonMessageResult> SettlePoisonAsync(QueueClient queue, bool activity, string text, CancellationToken ct)
    {
        string instanceId, step;
        string? executionId;
        try
        {
            if (activity)
            {
                var message = Parse(text, DurableJsonContext.Default.ActivityMessage);
                (instanceId, executionId, step) = (message.InstanceId, message.ExecutionId, $"activity '{message.Name}' #{message.TaskId}");
            }
            else
            {
                var message = Parse(text, DurableJsonContext.Default.OrchestrationMessage);
                (instanceId, executionId) = (message.InstanceId, message.ExecutionId);
                step = message.TaskId is { } task ? $"{message.Kind} message for step #{task}" : $"{message.Kind} message";
            }

            if (string.IsNullOrEmpty(instanceId))
            {
                throw new FormatException("The message names no instance.");
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            var shown = text.Length <= 200 ? text : text[..200] + "...";
            return new PoisonMessageResult(queue.Name, null, null, PoisonOutcome.Unreadable, $"unreadable message deleted ({ex.Message}): {shown}");
        }

        var count = _storage.Options.MaxDequeueCount;
        var reason = string.Create(CultureInfo.InvariantCulture, $"poison message: {step} failed {count} times");
        var failure = new FailureDetails("PoisonMessage", reason, null, step);
        var outcome = await _steps.MarkFailedAsync(instanceId, executionId, failure, ct).ConfigureAwait(false) switch
        {
            MarkFailedResult.Marked => PoisonOutcome.InstanceFailed,
            MarkFailedResult.AlreadyTerminal => PoisonOutcome.AlreadyFinished,
            MarkFailedResult.OtherExecution => PoisonOutcome.OtherExecution,
            _ => PoisonOutcome.InstanceNotFound,
        };
        var description = outcome switch
        {
            PoisonOutcome.InstanceFailed => $"instance marked Failed: {reason}",
            PoisonOutcome.AlreadyFinished => $"{reason}; instance already finished, message deleted",
            PoisonOutcome.OtherExecution => $"{reason}; it belonged to an earlier execution of the instance, message deleted",
            _ => $"{reason}; no such instance (purged), message deleted",
        };
        return new PoisonMessageResult(queue.Name, instanceId, step, outcome, description);
    }

    private async Task<InstanceRepair?> ExamineAsync(TableEntity row, DateTimeOffset cutoff, DateTimeOffset now, RepairOptions options, CancellationToken ct)
    {
        var queried = InstanceState.FromEntity(row);
        InstanceSnapshot? snapshot;
        try
        {
            snapshot = await _store.LoadAsync(queried.InstanceId, ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            // No worker can load it either (each delivery would fail until poisoned): fail it now, with the reason.
            return await FailAsync(queried, "UnreadableHistory", $"its history cannot be read ({ex.Message})", ct).ConfigureAwait(false);
        }

        // Gone, finished or progressed since the query (or repaired by a concurrent run): nothing to do.
        if (snapshot is null || snapshot.State.ETag != queried.ETag || snapshot.State.IsTerminal || snapshot.State.LastUpdatedAt >= cutoff)
        {
            return null;
        }

        var state = snapshot.State;
        var history = snapshot.History;
        var since = $"{state.Status} since {state.LastUpdatedAt:O}";

        // A state that contradicts its history: replaying it would repeat or skip steps. Fail it rather than guess.
        if (history.LastOrDefault(e => e.Kind is HistoryEventKind.ExecutionCompleted or HistoryEventKind.ExecutionFailed or HistoryEventKind.ExecutionTerminated) is { } end)
        {
            return await FailAsync(state, "InconsistentState", $"its state row says {state.Status} but its history ended with {end.Kind} at {end.Timestamp:O}", ct).ConfigureAwait(false);
        }

        var episodes = snapshot.HistoryRowKeys
            .Select(k => Rows.TryParseHistory(k, out _, out var episode, out _) ? episode : 0)
            .Distinct()
            .Count();
        if (episodes != state.Episode)
        {
            return await FailAsync(
                state,
                "InconsistentState",
                $"history rows are missing: its state row is at generation {state.Generation} episode {state.Episode} but {episodes} episode(s) of history are stored",
                ct).ConfigureAwait(false);
        }

        var timersResent = ParseTaskIds(row.GetString(RepairedTimersProperty));
        var timersNow = new List<int>();
        var started = history.Any(e => e.Kind == HistoryEventKind.ExecutionStarted);
        var suspended = state.Status == OrchestrationStatus.Suspended;
        var wake = new List<string>();
        var sends = new List<Func<Task>>();
        var notes = new List<string>();

        if (!started && !suspended)
        {
            wake.Add(state.Episode == 0 && state.Generation > 0 && state.Status == OrchestrationStatus.Running
                ? "its next execution (continue-as-new) never started"
                : "it never started");
        }

        var inbox = snapshot.Inbox
            .Where(r => (r.Timestamp ?? DateTimeOffset.MinValue) < cutoff
                && (r.RowKey.StartsWith(Rows.ControlPrefix, StringComparison.Ordinal) || !suspended))
            .ToList();
        if (inbox.Count > 0)
        {
            var events = inbox.Count(r => r.RowKey.StartsWith(Rows.EventPrefix, StringComparison.Ordinal));
            var controls = inbox.Count(r => r.RowKey.StartsWith(Rows.ControlPrefix, StringComparison.Ordinal));
            wake.Add(string.Create(CultureInfo.InvariantCulture, $"{inbox.Count} inbox row(s) not consumed ({events} event(s), {controls} control(s), {inbox.Count - events - controls} buffered result(s))"));
        }

        if (wake.Count > 0)
        {
            sends.Add(() => _storage.WakeAsync(state.InstanceId, ct));
        }

        foreach (var step in StepDispatcher.PendingSteps(history, snapshot.Inbox))
        {
            switch (step.Kind)
            {
                case HistoryEventKind.ActivityScheduled:
                    notes.Add($"activity '{step.Name}' #{step.TaskId} re-sent");
                    sends.Add(() => _steps.DispatchAsync(state, step, ct));
                    break;
                case HistoryEventKind.TimerCreated when step.FireAt is { } fireAt:
                    if (fireAt < cutoff && !timersResent.Contains(step.TaskId!.Value))
                    {
                        // Lost, or cancelled (a cancelled timer's firing is not recorded, so it looks pending for
                        // ever): re-sent once until the instance's next commit; a lost one is recorded when it fires.
                        notes.Add($"timer #{step.TaskId} due {fireAt:O} not recorded as fired: re-sent once");
                        timersNow.Add(step.TaskId!.Value);
                        sends.Add(() => _steps.DispatchAsync(state, step, ct));
                    }
                    else if (options.ResendTimersNotYetDue)
                    {
                        notes.Add($"timer #{step.TaskId} due {fireAt:O} re-sent with a delay of {_steps.TimerDelay(fireAt)}{(fireAt - now > _storage.Options.MaxTimerVisibility ? " (chained)" : string.Empty)}");
                        sends.Add(() => _steps.DispatchAsync(state, step, ct));
                    }

                    break;
                case HistoryEventKind.SubOrchestrationScheduled when step.InstanceId is { } childId:
                    var child = await _store.ReadStateAsync(childId, ct).ConfigureAwait(false);
                    if (child is null)
                    {
                        notes.Add($"sub-orchestration '{step.Name}' #{step.TaskId} ({childId}) was never created: started");
                        sends.Add(() => _steps.DispatchAsync(state, step, ct));
                    }
                    else if (!StepDispatcher.IsChildOf(child, state, step))
                    {
                        notes.Add($"sub-orchestration '{step.Name}' #{step.TaskId}: id {childId} belongs to another instance: its failure re-sent");
                        sends.Add(() => _steps.DispatchAsync(state, step, ct));
                    }
                    else if (child.IsTerminal)
                    {
                        notes.Add($"sub-orchestration '{step.Name}' #{step.TaskId} ({childId}) finished {child.Status} but its result never arrived: re-sent");
                        sends.Add(() => _steps.NotifyParentAsync(child, ct));
                    }

                    // A live child is examined on its own.
                    break;
                default:
                    break;
            }
        }

        if (sends.Count == 0)
        {
            if (state.Status == OrchestrationStatus.Pending && started)
            {
                return new InstanceRepair(state.InstanceId, state.Name, state.Status, RepairOutcome.Reported, $"{since}: Pending although its history shows it started, and nothing is in flight; left for a person");
            }

            return null; // Waiting for an event, a timer not yet due, a live child, or suspended: legitimately idle.
        }

        // Claim the repair with the ETag the decision was made on: if the instance moved meanwhile, send nothing.
        var claim = new TableEntity(state.InstanceId, Rows.State) { [RepairedAtProperty] = now };
        if (timersNow.Count > 0)
        {
            claim[RepairedTimersProperty] = string.Join(',', timersResent.Concat(timersNow).Order().Select(t => t.ToString(CultureInfo.InvariantCulture)));
        }

        try
        {
            await _storage.History.UpdateEntityAsync(claim, state.ETag, TableUpdateMode.Merge, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }

        foreach (var send in sends)
        {
            await send().ConfigureAwait(false);
        }

        var what = new List<string>();
        if (wake.Count > 0)
        {
            what.Add("wake-up re-sent (" + string.Join("; ", wake) + ")");
        }

        what.AddRange(notes);
        return new InstanceRepair(state.InstanceId, state.Name, state.Status, RepairOutcome.Resent, $"{since}: {string.Join("; ", what)}");
    }

    private async Task<InstanceRepair?> FailAsync(InstanceState state, string errorType, string reason, CancellationToken ct)
    {
        var message = $"Failed by orchestration repair: {reason}.";
        if (!await _steps.TryFailAsync(state, new FailureDetails(errorType, message, null, "orchestration repair"), ct).ConfigureAwait(false))
        {
            return null; // Changed meanwhile: look again next run.
        }

        return new InstanceRepair(state.InstanceId, state.Name, state.Status, RepairOutcome.Failed, $"{state.Status} since {state.LastUpdatedAt:O}: marked Failed: {reason}");
    }

    private static HashSet<int> ParseTaskIds(string? list) =>
        (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
            .Where(id => id >= 0)
            .ToHashSet();

    private static T Parse<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        // The Functions host may hand a queue message over JSON-quoted.
        if (text.StartsWith('"'))
        {
            text = JsonSerializer.Deserialize<string>(text, JsonSerializerOptions.Default) ?? string.Empty;
        }

        return JsonSerializer.Deserialize(text, info) ?? throw new FormatException("Empty durable message.");
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Orchestration repair: instance '{InstanceId}' {Outcome}: {Description}")]
    private partial void LogRepair(string instanceId, RepairOutcome outcome, string description);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Poison sweep of {Queue}: instance '{InstanceId}' {Outcome}: {Description}")]
    private partial void LogPoison(string queue, string? instanceId, PoisonOutcome outcome, string description);
}

/// <summary>What <see cref="DurableMaintenance.RepairStuckInstancesAsync"/> looks at.</summary>
public sealed class RepairOptions
{
    /// <summary>Instances with no progress for at least this long are examined (and inbox rows, timers overdue by this long count as stuck).</summary>
    public TimeSpan StuckThreshold { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// An instance whose messages repair re-sent, and that has not progressed since, is left alone for this long
    /// (its re-sent messages may still be queued). Default: <see cref="StuckThreshold"/>.
    /// </summary>
    public TimeSpan? RetryRepairAfter { get; init; }

    /// <summary>Instances examined at most by one call (the budget).</summary>
    public int MaxInstances { get; init; } = 100;

    /// <summary>Where the previous call stopped (<see cref="RepairReport.ContinuationToken"/>); null to start from the beginning.</summary>
    public string? ContinuationToken { get; init; }

    /// <summary>
    /// Also re-send timers that are not yet due, with their remaining delay (chained beyond the visibility cap).
    /// Off by default: a pending timer's message cannot be seen while it waits, so re-sending it on every run would
    /// multiply messages; a lost timer is found once it is overdue. Turn it on for a one-off run after messages were
    /// knowingly lost (a queue cleared).
    /// </summary>
    public bool ResendTimersNotYetDue { get; init; }
}

public enum RepairOutcome
{
    /// <summary>Missing messages were re-sent; the instance continues.</summary>
    Resent,

    /// <summary>The instance could never progress and was marked Failed with the reason.</summary>
    Failed,

    /// <summary>Something is wrong that repair does not change; left for a person.</summary>
    Reported,
}

/// <param name="Status">The status the instance had when examined.</param>
/// <param name="Description">What was found and done, one line.</param>
public sealed record InstanceRepair(string InstanceId, string Name, OrchestrationStatus Status, RepairOutcome Outcome, string Description);

/// <param name="Examined">Stalled instances looked at.</param>
/// <param name="Repairs">Only the instances something was done about or reported.</param>
/// <param name="ContinuationToken">Where the next call continues; null when this one reached the end.</param>
public sealed record RepairReport(int Examined, IReadOnlyList<InstanceRepair> Repairs, string? ContinuationToken);

public enum PoisonOutcome
{
    InstanceFailed,
    AlreadyFinished,
    OtherExecution,
    InstanceNotFound,
    Unreadable,
}

/// <param name="Step">The step the message stood for, e.g. <c>activity 'SendEmail' #0</c> or <c>wake message</c>.</param>
public sealed record PoisonMessageResult(string Queue, string? InstanceId, string? Step, PoisonOutcome Outcome, string Description);

public sealed record PoisonSweepReport(int Examined, IReadOnlyList<PoisonMessageResult> Messages);
