using Tier2.Functions.Invites;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// <c>ReconcileInvites</c> walks the Pending invites. One whose orchestration does not exist (the process died
/// between storing the invite and starting it, and nobody retried) gets it started from the row, so its email goes
/// out within one run of this job. One past its expiry whose orchestration is gone or finished would stay Pending
/// forever (its expiry timer can no longer fire): it is marked Expired, releasing its link and its address. One still
/// live whose orchestration finished (its email could not be sent) is reported: the invite shows why, and the
/// provider resends or revokes it.
/// </summary>
public sealed class InvitesRepairJob(InviteStore invites) : IReconciliationJob
{
    /// <summary>An invite younger than this may still be starting its orchestration in the request that created it.</summary>
    private static readonly TimeSpan StartGrace = TimeSpan.FromMinutes(1);

    public string Name => nameof(ReconciliationTimers.ReconcileInvites);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        int changed = 0, reported = 0;
        var details = new List<string>();
        var scan = new JobScan(context);
        await foreach (var entity in scan.RowsAsync((continuation, pageSize) => invites.PendingAsync(continuation, pageSize, cancellationToken), cancellationToken))
        {
            var invite = InviteStore.FromEntity(entity);
            var instance = await context.Orchestrations.GetAsync(invite.InstanceId, cancellationToken);
            if (instance is { IsCompleted: false })
            {
                continue; // Running: its timers settle it; ReconcileOrchestrations watches instances that stall.
            }

            if (!invite.IsLive(context.Now))
            {
                if (await ExpireAsync(invite, context, cancellationToken))
                {
                    changed++;
                    details.Add($"invite {invite.Id} ({invite.Email}): orchestration {(instance is null ? "missing" : instance.RuntimeStatus.ToString())}, marked Expired");
                }
            }
            else if (instance is null && context.Now - invite.CreatedAt >= StartGrace)
            {
                if (await context.Orchestrations.StartIfMissingAsync(PartnershipInviteOrchestration.Name, invite.InstanceId, invite.WorkflowInput(correlationId: null), cancellationToken))
                {
                    changed++;
                    details.Add($"invite {invite.Id} ({invite.Email}): orchestration missing, started");
                }
            }
            else if (instance is not null)
            {
                reported++;
                details.Add($"invite {invite.Id} ({invite.Email}) is Pending but its orchestration ended {instance.RuntimeStatus}: resend or revoke it");
            }
        }

        return new JobOutcome(scan.Examined, changed, reported, scan.Continuation, details);
    }

    private async Task<bool> ExpireAsync(Invite invite, JobContext context, CancellationToken cancellationToken)
    {
        var result = await invites.UpdateAsync(invite.Id, "reconciliation:" + Name, "expired", current => current.Expire(context.Now), newTokenHash: null, cancellationToken);
        return result.Outcome == ChangeOutcome.Changed;
    }
}
