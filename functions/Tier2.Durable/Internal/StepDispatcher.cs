using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Tier2.Durable.Internal;

/// <summary>What marking an instance Failed outside an episode did.</summary>
internal enum MarkFailedResult
{
    Marked,
    NotFound,
    AlreadyTerminal,

    /// <summary>The instance moved on to another execution (ContinueAsNew, replaced): the failure is not its own.</summary>
    OtherExecution,
}

/// <summary>
/// Sends the messages that scheduled steps stand for (activity work items, timers, sub-orchestration starts, a
/// finished child's result to its parent) and marks instances Failed outside an episode. Shared by the worker
/// (after a commit, and on redelivery) and by <see cref="DurableMaintenance"/> (repair), so both send exactly the
/// same, idempotent messages.
/// </summary>
internal sealed class StepDispatcher(DurableStorage storage, InstanceStore store, TimeProvider time)
{
    private PayloadStore Payloads => storage.PayloadStore;

    private DurableOptions Options => storage.Options;

    public static HashSet<int> CompletedSteps(IEnumerable<HistoryEvent> history) =>
        history.Where(e => e.TaskId is not null && e.Kind is HistoryEventKind.ActivityCompleted or HistoryEventKind.ActivityFailed or HistoryEventKind.TimerFired
                or HistoryEventKind.SubOrchestrationCompleted or HistoryEventKind.SubOrchestrationFailed)
            .Select(e => e.TaskId!.Value)
            .ToHashSet();

    /// <summary>Steps of the current execution that history has scheduled and neither history nor the inbox (buffered while suspended) has completed.</summary>
    public static List<HistoryEvent> PendingSteps(IReadOnlyList<HistoryEvent> history, IEnumerable<TableEntity> inbox)
    {
        var done = CompletedSteps(history);
        foreach (var row in inbox)
        {
            if (row.GetBinary("Message") is { } buffered && JsonSerializer.Deserialize(buffered, DurableJsonContext.Default.OrchestrationMessage) is { TaskId: { } id })
            {
                done.Add(id);
            }
        }

        return history.Where(e => e.TaskId is { } id && !done.Contains(id)
            && e.Kind is HistoryEventKind.ActivityScheduled or HistoryEventKind.TimerCreated or HistoryEventKind.SubOrchestrationScheduled).ToList();
    }

    public Task DispatchAsync(InstanceState state, HistoryEvent action, CancellationToken ct) => action.Kind switch
    {
        HistoryEventKind.ActivityScheduled => storage.SendActivityMessageAsync(
            new ActivityMessage
            {
                InstanceId = state.InstanceId,
                ExecutionId = state.ExecutionId,
                Generation = state.Generation,
                TaskId = action.TaskId!.Value,
                Name = action.Name!,
                Input = action.Payload,
                InputBlob = action.PayloadBlob,
                TraceParent = state.TraceParent,
            },
            ct),
        HistoryEventKind.TimerCreated => SendTimerAsync(state.InstanceId, state.ExecutionId, action.TaskId!.Value, action.FireAt!.Value, ct),
        HistoryEventKind.SubOrchestrationScheduled => StartChildAsync(state, action, ct),
        _ => Task.CompletedTask,
    };

    /// <summary>The visibility delay of a timer message sent now: whole seconds, never early, capped (longer timers hop).</summary>
    public TimeSpan TimerDelay(DateTimeOffset fireAt)
    {
        var remaining = fireAt - time.GetUtcNow();
        var seconds = Math.Max(0, Math.Ceiling(remaining.TotalSeconds));
        return TimeSpan.FromSeconds(Math.Min(seconds, Math.Floor(Options.MaxTimerVisibility.TotalSeconds)));
    }

    public Task SendTimerAsync(string instanceId, string executionId, int taskId, DateTimeOffset fireAt, CancellationToken ct) =>
        storage.SendOrchestrationMessageAsync(
            new OrchestrationMessage { Kind = MessageKinds.Timer, InstanceId = instanceId, ExecutionId = executionId, TaskId = taskId, FireAt = fireAt },
            TimerDelay(fireAt),
            ct);

    /// <summary>Creates the child (an insert conflict means it exists: a finished child's result is re-sent, a live one woken).</summary>
    public async Task StartChildAsync(InstanceState parent, HistoryEvent action, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var child = new InstanceState
        {
            InstanceId = action.InstanceId!,
            Name = action.Name!,
            Status = OrchestrationStatus.Pending,
            ExecutionId = Guid.NewGuid().ToString("N"),
            Input = action.Payload,
            InputBlob = action.PayloadBlob,
            CreatedAt = now,
            LastUpdatedAt = now,
            ParentInstanceId = parent.InstanceId,
            TraceParent = parent.TraceParent,
            ParentExecutionId = parent.ExecutionId,
            ParentTaskId = action.TaskId,
        };
        try
        {
            await storage.History.AddEntityAsync(child.ToEntity(), ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await store.ReadStateAsync(child.InstanceId, ct).ConfigureAwait(false);
            if (existing is null || !IsChildOf(existing, parent, action))
            {
                await storage.SendOrchestrationMessageAsync(
                    new OrchestrationMessage
                    {
                        Kind = MessageKinds.Result,
                        InstanceId = parent.InstanceId,
                        ExecutionId = parent.ExecutionId,
                        TaskId = action.TaskId,
                        SubOrchestration = true,
                        Failure = new FailureDetails("InstanceAlreadyExists", $"Instance id '{child.InstanceId}' is already in use.", null, $"sub-orchestration '{action.Name}' #{action.TaskId}"),
                    },
                    null,
                    ct).ConfigureAwait(false);
                return;
            }

            if (existing.IsTerminal)
            {
                await NotifyParentAsync(existing, ct).ConfigureAwait(false);
                return;
            }
        }

        await storage.WakeAsync(child.InstanceId, ct).ConfigureAwait(false);
    }

    public static bool IsChildOf(InstanceState child, InstanceState parent, HistoryEvent action) =>
        child.ParentInstanceId == parent.InstanceId && child.ParentExecutionId == parent.ExecutionId && child.ParentTaskId == action.TaskId;

    /// <summary>Sends a terminal child's result to its parent (idempotent: the parent ignores a step already completed).</summary>
    public async Task NotifyParentAsync(InstanceState child, CancellationToken ct)
    {
        if (child.ParentInstanceId is null || !child.IsTerminal)
        {
            return;
        }

        var message = new OrchestrationMessage
        {
            Kind = MessageKinds.Result,
            InstanceId = child.ParentInstanceId,
            ExecutionId = child.ParentExecutionId,
            TaskId = child.ParentTaskId,
            SubOrchestration = true,
        };
        switch (child.Status)
        {
            case OrchestrationStatus.Completed:
                // Copied, not referenced: the parent's history must survive purging the child.
                message.Payload = await Payloads.ResolveAsync(child.Output, child.OutputBlob, ct).ConfigureAwait(false);
                if (Payloads.IsLarge(message.Payload))
                {
                    message.PayloadBlob = await Payloads.StoreLargeAsync(child.ParentInstanceId, message.Payload!, ct).ConfigureAwait(false);
                    message.Payload = null;
                }

                break;
            case OrchestrationStatus.Terminated:
                message.Failure = new FailureDetails("Terminated", $"Sub-orchestration '{child.InstanceId}' was terminated: {child.Output}", null, $"sub-orchestration '{child.Name}' ({child.InstanceId})");
                break;
            default:
                var failure = child.Failure ?? new FailureDetails("Unknown", "The sub-orchestration failed.");
                message.Failure = failure with { Inner = failure.Inner };
                break;
        }

        await storage.SendOrchestrationMessageAsync(message, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks an instance Failed outside an episode (conditioned on the state row's ETag, re-read after a lost race)
    /// unless it is gone, already finished, or on another execution than <paramref name="executionId"/>; then
    /// tells its parent, if any.
    /// </summary>
    public async Task<MarkFailedResult> MarkFailedAsync(string instanceId, string? executionId, FailureDetails failure, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var state = await store.ReadStateAsync(instanceId, ct).ConfigureAwait(false);
            if (state is null)
            {
                return MarkFailedResult.NotFound;
            }

            if (state.IsTerminal)
            {
                return MarkFailedResult.AlreadyTerminal;
            }

            if (executionId is not null && state.ExecutionId != executionId)
            {
                return MarkFailedResult.OtherExecution;
            }

            if (await TryFailAsync(state, failure, ct).ConfigureAwait(false))
            {
                return MarkFailedResult.Marked;
            }

            if (attempt >= 20)
            {
                throw new InvalidOperationException($"Instance '{instanceId}': lost the ETag race {attempt + 1} times while marking it Failed.");
            }
        }
    }

    /// <summary>Fails the instance if its state row is still the one given (same ETag); false when it changed meanwhile.</summary>
    public async Task<bool> TryFailAsync(InstanceState state, FailureDetails failure, CancellationToken ct)
    {
        var next = state.Clone();
        var now = time.GetUtcNow();
        next.Status = OrchestrationStatus.Failed;
        next.Failure = failure;
        next.CompletedAt = now;
        next.LastUpdatedAt = now;
        try
        {
            await storage.History.UpdateEntityAsync(next.ToEntity(), state.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }

        await NotifyParentAsync(next, ct).ConfigureAwait(false);
        return true;
    }
}
