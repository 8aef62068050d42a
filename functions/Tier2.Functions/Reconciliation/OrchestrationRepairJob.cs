using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// What Durable Functions cannot tell anyone by itself: instances Pending for longer than
/// <c>Reconciliation__StuckThreshold</c> (created, never started: their start message was lost or is poisoned; or
/// started, with a status row that missed it),
/// Running instances with no progress for that long that are not waiting on a timer or a person (their custom status
/// says what they wait for), and Failed instances (a step that kept failing, an exception in the orchestrator). It
/// reports them with their status and reason; the row-owning jobs (<c>ReconcileOrders</c>, <c>ReconcileInvites</c>)
/// restart or settle their own instances, and an operator can terminate, resume or purge any instance through
/// <c>/api/orchestrations</c>. The checkpoint is the query's continuation token.
/// </summary>
public sealed class OrchestrationRepairJob(IOptions<ReconciliationOptions> options) : IReconciliationJob
{
    /// <summary>Custom statuses of instances that are waiting on purpose (timers days away, a reseller's answer).</summary>
    private static readonly HashSet<string> Waiting = new(StringComparer.Ordinal) { "\"waiting\"", "\"reminded\"" };

    public string Name => nameof(ReconciliationTimers.ReconcileOrchestrations);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var threshold = context.Now - options.Value.StuckThreshold;
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Failed],
            CreatedTo = threshold,
            PageSize = Math.Min(100, context.Budget),
            ContinuationToken = context.Checkpoint,
        };
        int examined = 0, reported = 0;
        string? continuation = null;
        var details = new List<string>();
        await foreach (var page in context.Orchestrations.Client.GetAllInstancesAsync(query).AsPages(context.Checkpoint).WithCancellation(cancellationToken))
        {
            foreach (var instance in page.Values)
            {
                examined++;
                if (Describe(instance, threshold) is { } finding)
                {
                    reported++;
                    details.Add($"{instance.Name} {instance.InstanceId}: {finding}");
                }
            }

            continuation = page.ContinuationToken;
            if (continuation is null || examined >= context.Budget)
            {
                break;
            }
        }

        return new JobOutcome(examined, 0, reported, continuation, details);
    }

    private static string? Describe(OrchestrationMetadata instance, DateTimeOffset threshold) => instance.RuntimeStatus switch
    {
        // The engine writes a custom status (the JSON "null" when there is none) at every checkpoint and never at
        // creation, so a Pending row with one belongs to an instance that ran: its host stopped between the history
        // write and the status-row write of the first episode, and the row says Pending until the next lifecycle
        // event (Azure/durabletask#1252). It is alive; an operator reading the status alone would think otherwise.
        // (Both Tier2 orchestrations also set a custom status in their first episode, in case a host reads "null" as none.)
        OrchestrationRuntimeStatus.Pending when instance.SerializedCustomStatus is not null =>
            $"Pending in the engine's status row, yet it ran (custom status {instance.SerializedCustomStatus}, last checkpoint {instance.LastUpdatedAt:O}): the row missed its start when a host stopped, and corrects at its next lifecycle event",
        OrchestrationRuntimeStatus.Pending => $"Pending since {instance.CreatedAt:O}: never started",
        OrchestrationRuntimeStatus.Running when instance.LastUpdatedAt < threshold && !Waiting.Contains(instance.SerializedCustomStatus ?? string.Empty) =>
            $"Running with no progress since {instance.LastUpdatedAt:O} (status {instance.SerializedCustomStatus ?? "none"})",
        // A list query on the Azure Storage provider carries a failure's message in the output, not in the failure details.
        OrchestrationRuntimeStatus.Failed when instance.LastUpdatedAt >= threshold - TimeSpan.FromDays(1) =>
            $"Failed at {instance.LastUpdatedAt:O}: {instance.FailureDetails?.ErrorMessage ?? instance.SerializedOutput ?? "no details"}",
        _ => null,
    };
}
