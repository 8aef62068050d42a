using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Reconciliation;

/// <summary>Purges the history of finished orchestrations (completed, failed, terminated) created before <c>Reconciliation__Retention</c> ago.</summary>
public sealed class RetentionJob(IOptions<ReconciliationOptions> options) : IReconciliationJob
{
    private static readonly OrchestrationRuntimeStatus[] Finished = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    public string Name => nameof(ReconciliationTimers.ReconcileRetention);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var cutoff = context.Now - options.Value.Retention;
        var result = await context.Orchestrations.Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(CreatedFrom: null, CreatedTo: cutoff, Statuses: Finished), cancellationToken);
        return new JobOutcome(result.PurgedInstanceCount, result.PurgedInstanceCount, 0, null, [$"purged {result.PurgedInstanceCount} finished orchestrations created before {cutoff:O}"]);
    }
}
