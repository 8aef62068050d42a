using Microsoft.Extensions.Options;
using Tier2.Functions.Invites;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// A Pending invite past its expiry whose orchestration is gone or finished would stay Pending forever (its
/// expiry timer can no longer fire): mark it Expired, releasing its link and its address.
/// </summary>
public sealed class InviteExpiryJob(InviteStore invites) : IReconciliationJob
{
    public string Name => nameof(ReconciliationTimers.ReconcileInvites);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        int examined = 0, changed = 0;
        var details = new List<string>();
        var continuation = context.Checkpoint;
        while (examined < context.Budget)
        {
            var pageSize = Math.Min(100, context.Budget - examined);
            Azure.Page<Azure.Data.Tables.TableEntity>? page = null;
            await foreach (var p in invites.PendingPastExpiryAsync(context.Now, continuation, pageSize, cancellationToken))
            {
                page = p;
                break;
            }

            if (page is null)
            {
                continuation = null;
                break;
            }

            foreach (var entity in page.Values)
            {
                examined++;
                var invite = InviteStore.FromEntity(entity);
                var instance = await context.Orchestrations.GetAsync(invite.InstanceId, cancellationToken);
                if (instance is not null && !instance.IsCompleted)
                {
                    continue; // Its expiry timer is still armed; orchestration repair watches instances that stall.
                }

                var result = await invites.UpdateAsync(invite.Id, "reconciliation:" + Name, "expired", current =>
                    current.Status == InviteStatus.Pending && current.ExpiresAt <= context.Now ? current with { Status = InviteStatus.Expired } : null,
                    newTokenHash: null, cancellationToken);
                if (result.Outcome == ChangeOutcome.Changed)
                {
                    changed++;
                    details.Add($"invite {invite.Id} ({invite.Email}): orchestration {(instance is null ? "missing" : instance.RuntimeStatus.ToString())}, marked Expired");
                }
            }

            continuation = page.ContinuationToken;
            if (continuation is null)
            {
                break;
            }
        }

        return new JobOutcome(examined, changed, 0, continuation, details);
    }
}
