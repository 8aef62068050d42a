using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

/// <summary>
/// Activates a reseller that accepted the provider's invite. With Partner Center Disabled it becomes Active at once (the
/// app without Partner Center). With it Enabled, Partner Center decides: listed as the provider's indirect reseller with
/// the agreement signed, the reseller is linked and Active; otherwise it waits (<see cref="ResellerStatus.AwaitingPartnerCenter"/>,
/// with what it still has to do) until the sync finds it. Safe to run again: each step is one of the reseller's transitions.
/// </summary>
public sealed class ResellerActivation(ResellerStore resellers, PartnerCenterResellers partnerCenter, TimeProvider time)
{
    /// <summary>Used when the provider's Partner Center connection is missing or refused: the sync looks again once it works.</summary>
    public const string NotConnectedReason = "Tier2 could not ask Partner Center (the provider's Partner Center connection is not working); it looks again on its next sync. Meanwhile, make sure you accepted the provider's indirect reseller request in Partner Center and signed the Microsoft Partner Agreement.";

    /// <summary>The reseller after activation. A transient Partner Center failure is thrown, so the activity is retried.</summary>
    public async Task<Reseller> ActivateAsync(string resellerId, string actor, CancellationToken cancellationToken)
    {
        var reseller = await resellers.GetAsync(resellerId, cancellationToken) ?? throw new InvalidOperationException($"Reseller {resellerId} does not exist.");
        if (!partnerCenter.IsEnabled)
        {
            return Settled(await resellers.ChangeStatusAsync(resellerId, ResellerStatus.PendingActivation, ResellerStatus.Active, actor, ifMatch: null, cancellationToken), reseller);
        }

        if (reseller.Status is not (ResellerStatus.PendingActivation or ResellerStatus.AwaitingPartnerCenter))
        {
            // A re-run after the step went through (or the provider acted meanwhile): nothing more to do.
            return reseller;
        }

        PartnerCenterStanding? standing;
        try
        {
            standing = await partnerCenter.FindAsync(reseller.MpnId, cancellationToken);
        }
        catch (PartnerCenterException ex) when (PartnerCenterResellers.IsConnectionProblem(ex))
        {
            return await AwaitAsync(resellerId, NotConnectedReason, actor, cancellationToken);
        }

        var now = time.GetUtcNow();
        var result = standing is null
            ? await resellers.ApplyAsync(resellerId, actor, "awaiting-partner-center", r => r.AwaitPartnerCenter(Reseller.NotListedReason), cancellationToken)
            : await resellers.ApplyAsync(resellerId, actor, "linked", r => r.Link(standing, now), cancellationToken);
        return Settled(result, reseller);
    }

    /// <summary>Leaves an accepted reseller waiting for Partner Center with <paramref name="reason"/> (also when Partner Center could not be asked).</summary>
    public async Task<Reseller> AwaitAsync(string resellerId, string reason, string actor, CancellationToken cancellationToken)
    {
        if (!partnerCenter.IsEnabled)
        {
            // Without Partner Center there is nothing to wait for: activation is a store write, tried once more.
            return await ActivateAsync(resellerId, actor, cancellationToken);
        }

        var result = await resellers.ApplyAsync(resellerId, actor, "awaiting-partner-center", r => r.AwaitPartnerCenter(reason), cancellationToken);
        return Settled(result, null);
    }

    private static Reseller Settled(ChangeResult<Reseller> result, Reseller? read) => result.Outcome switch
    {
        ChangeOutcome.NotFound => throw new InvalidOperationException("The reseller does not exist."),

        // Lost an ETag race with another writer (a re-run, the sync): the next attempt reads the winner's result.
        ChangeOutcome.PreconditionFailed => throw new InvalidOperationException("The reseller changed meanwhile; try again."),
        _ => result.Value ?? read ?? throw new InvalidOperationException("The reseller has no value."),
    };
}
