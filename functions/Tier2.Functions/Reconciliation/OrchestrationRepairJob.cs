using Microsoft.Extensions.Options;
using Tier2.Durable;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// Nothing stays silently Pending or Running: poison messages fail their instances with the reason (and are
/// settled), and instances with no progress for <c>Reconciliation__StuckThreshold</c> get the messages they are
/// missing re-sent (a lost wake-up, event delivery, activity work item, overdue timer, child start or child
/// result), or are failed with the reason when their state contradicts their history. See
/// <see cref="DurableMaintenance"/>; the checkpoint is the scan's continuation token.
/// </summary>
public sealed class OrchestrationRepairJob(DurableStorage storage, TimeProvider time, ILoggerFactory loggers, IOptions<ReconciliationOptions> options) : IReconciliationJob
{
    private readonly DurableMaintenance _maintenance = new(storage, loggers.CreateLogger("Tier2.Durable.Maintenance"), time);

    public string Name => "ReconcileOrchestrations";

    public string Schedule => options.Value.OrchestrationRepairSchedule;

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var details = new List<string>();
        int changed = 0, reported = 0;

        var poison = await _maintenance.SweepPoisonQueuesAsync(context.Budget, cancellationToken);
        foreach (var message in poison.Messages)
        {
            if (message.Outcome == PoisonOutcome.Unreadable)
            {
                reported++;
            }
            else
            {
                changed++;
            }

            details.Add($"{message.Queue}: {(message.InstanceId is null ? string.Empty : $"instance {message.InstanceId}: ")}{message.Description}");
        }

        var left = context.Budget - poison.Examined;
        if (left <= 0)
        {
            // The poison queues took the whole budget: the scan continues where it was next time.
            return new JobOutcome(poison.Examined, changed, reported, context.Checkpoint ?? string.Empty, details);
        }

        var repair = await _maintenance.RepairStuckInstancesAsync(
            new RepairOptions { StuckThreshold = options.Value.StuckThreshold, MaxInstances = left, ContinuationToken = context.Checkpoint },
            cancellationToken);
        foreach (var instance in repair.Repairs)
        {
            if (instance.Outcome == RepairOutcome.Reported)
            {
                reported++;
            }
            else
            {
                changed++;
            }

            details.Add($"{instance.Name} {instance.InstanceId}: {instance.Outcome}: {instance.Description}");
        }

        return new JobOutcome(poison.Examined + repair.Examined, changed, reported, repair.ContinuationToken, details);
    }
}
