using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Tier2.Durable.Internal;

/// <summary>What one episode decided.</summary>
internal sealed class EpisodeOutcome
{
    public OrchestrationStatus Status { get; set; } = OrchestrationStatus.Running;

    public string? Output { get; set; }

    public FailureDetails? Failure { get; set; }

    public List<HistoryEvent> NewActions { get; set; } = [];

    public bool CustomStatusSet { get; set; }

    public string? CustomStatus { get; set; }

    public bool ContinuedAsNew { get; set; }

    public string? NewInput { get; set; }

    public List<HistoryEvent> CarriedEvents { get; set; } = [];

    /// <summary>False when the new events changed nothing (e.g. only cancelled timers fired): no commit needed.</summary>
    public bool Effective { get; set; }
}

/// <summary>Re-runs an orchestrator over its history, then over the episode's new events, on a <see cref="ReplayScheduler"/>.</summary>
internal static class OrchestrationRunner
{
    public static EpisodeOutcome Run(
        OrchestratorRegistration orchestrator,
        InstanceState state,
        IReadOnlyList<HistoryEvent> history,
        IReadOnlyList<HistoryEvent> newEvents,
        Func<HistoryEvent, string?> payloadOf,
        JsonSerializerOptions options,
        ILogger logger)
    {
        var scheduler = new ReplayScheduler();
        var context = new ReplayContext(state, history, scheduler, options, payloadOf, logger);
        Task<string?>? orchestration = null;
        var effective = false;
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(scheduler.Context);
        scheduler.Attach();
        try
        {
            foreach (var e in history)
            {
                Apply(e);
                if (context.Divergence is not null || orchestration is { IsCompleted: true })
                {
                    break;
                }
            }

            context.Replaying = false;
            if (context.Divergence is null)
            {
                foreach (var e in newEvents)
                {
                    Apply(e);
                    effective |= e.Kind switch
                    {
                        HistoryEventKind.OrchestratorStarted => false,
                        HistoryEventKind.TimerFired => !context.LastEventWasNoOp,
                        _ => true,
                    };
                    if (context.Divergence is not null)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            scheduler.Detach();
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        var outcome = new EpisodeOutcome
        {
            NewActions = context.NewActions,
            CustomStatusSet = context.CustomStatusSet,
            CustomStatus = context.CustomStatusJson,
        };
        var divergence = context.Divergence ?? scheduler.Violation;
        if (divergence is null && orchestration is not null && (orchestration.IsCompleted || !context.HasDurableWork))
        {
            divergence = context.FindUnrequestedStep();
        }

        if (divergence is null && orchestration is { IsCompleted: false } && !context.HasDurableWork)
        {
            divergence = scheduler.Violation ?? "orchestrator code is waiting for something that is not a durable task (Task.Delay, I/O, Task.Run or ConfigureAwait(false)); only OrchestrationContext operations may be awaited";
        }

        if (divergence is not null)
        {
            outcome.Status = OrchestrationStatus.Failed;
            outcome.Failure = new FailureDetails("NonDeterministicOrchestration", divergence, null, $"orchestrator '{state.Name}'");
            outcome.NewActions = [];
            outcome.Effective = true;
            return outcome;
        }

        outcome.Effective = effective || outcome.NewActions.Count > 0;
        if (orchestration is null || !orchestration.IsCompleted)
        {
            return outcome;
        }

        outcome.Effective = true;
        if (orchestration.IsCompletedSuccessfully)
        {
            if (context.ContinueAsNewRequested)
            {
                outcome.ContinuedAsNew = true;
                outcome.NewInput = context.ContinueAsNewInput;
                outcome.CarriedEvents = context.PreserveUnprocessedEvents ? context.UnprocessedEvents() : [];
            }
            else
            {
                outcome.Status = OrchestrationStatus.Completed;
                outcome.Output = orchestration.Result;
            }

            return outcome;
        }

        outcome.Status = OrchestrationStatus.Failed;
        var error = orchestration.Exception?.InnerException;
        outcome.Failure = error switch
        {
            TaskFailedException failed => failed.Failure with { FailedStep = failed.FailedStep, Inner = failed.Failure.Inner },
            null => new FailureDetails(typeof(OperationCanceledException).FullName!, "The orchestrator was cancelled.", null, $"orchestrator '{state.Name}'"),
            _ => FailureDetails.FromException(error, $"orchestrator '{state.Name}'"),
        };
        return outcome;

        void Apply(HistoryEvent e)
        {
            switch (e.Kind)
            {
                case HistoryEventKind.OrchestratorStarted:
                    context.Now = e.Timestamp;
                    break;
                case HistoryEventKind.ExecutionStarted:
                    var input = payloadOf(e);
                    orchestration = Task.Factory.StartNew(
                        () => orchestrator.Invoke(context, input, options),
                        CancellationToken.None,
                        TaskCreationOptions.DenyChildAttach,
                        scheduler).Unwrap();
                    break;
                case HistoryEventKind.ActivityCompleted:
                case HistoryEventKind.ActivityFailed:
                case HistoryEventKind.TimerFired:
                case HistoryEventKind.SubOrchestrationCompleted:
                case HistoryEventKind.SubOrchestrationFailed:
                    context.Complete(e);
                    break;
                case HistoryEventKind.EventRaised:
                    context.Raise(e);
                    break;
                default:
                    // Scheduled steps are matched when the code asks for them; the rest is bookkeeping.
                    break;
            }

            scheduler.RunUntilIdle();
        }
    }
}
