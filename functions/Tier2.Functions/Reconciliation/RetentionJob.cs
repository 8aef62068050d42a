using Microsoft.Extensions.Options;
using Tier2.Durable;

namespace Tier2.Functions.Reconciliation;

/// <summary>Purges finished orchestrations (history, payload blobs) older than <c>Reconciliation__Retention</c>.</summary>
public sealed class RetentionJob(DurableClient durable, IOptions<ReconciliationOptions> options) : IReconciliationJob
{
    private static readonly OrchestrationStatus[] Finished = [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated];

    public string Name => "ReconcileRetention";

    public string Schedule => options.Value.RetentionSchedule;

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var cutoff = context.Now - options.Value.Retention;
        int examined = 0, purged = 0;
        var details = new List<string>();
        var continuation = context.Checkpoint;
        while (examined < context.Budget)
        {
            var page = await durable.QueryInstancesAsync(new InstanceQuery
            {
                Statuses = Finished,
                CreatedTo = cutoff,
                PageSize = Math.Min(100, context.Budget - examined),
                ContinuationToken = continuation,
            }, cancellationToken);
            foreach (var instance in page.Instances)
            {
                examined++;
                if ((instance.CompletedAt ?? instance.LastUpdatedAt) < cutoff && await durable.PurgeInstanceAsync(instance.InstanceId, cancellationToken) == PurgeResult.Purged)
                {
                    purged++;
                    details.Add($"purged {instance.Name} {instance.InstanceId} ({instance.Status}, finished {instance.CompletedAt ?? instance.LastUpdatedAt:O})");
                }
            }

            continuation = page.ContinuationToken;
            if (continuation is null)
            {
                break;
            }
        }

        return new JobOutcome(examined, purged, 0, continuation, details);
    }
}
