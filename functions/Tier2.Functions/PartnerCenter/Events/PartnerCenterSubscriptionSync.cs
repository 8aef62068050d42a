using Tier2.Functions.Storage;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>A Tier2 subscription brought to what Partner Center says it is (a change made outside Tier2).</summary>
public static class PartnerCenterSubscriptionSync
{
    public const string Action = "changed-in-partner-center";

    /// <summary>
    /// The subscription with Partner Center's quantity, status (through the record's own transitions: <c>active</c> is
    /// Active; <c>suspended</c>, <c>disabled</c>, <c>expired</c> and <c>deleted</c> cannot be used, so Suspended; any other
    /// status leaves it), partner of record (<c>partnerId</c>, and the Tier2 reseller with that MPN ID, if any) and
    /// auto-renew; null when Tier2 already matches.
    /// </summary>
    public static Tier2Subscription? ChangedInPartnerCenter(this Tier2Subscription subscription, PcSubscription read, string? partnerOfRecordResellerId)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(read);
        var next = subscription with
        {
            Quantity = read.Quantity,
            PartnerIdOnRecord = read.PartnerId,
            PartnerOfRecordResellerId = partnerOfRecordResellerId,
            AutoRenewEnabled = read.AutoRenewEnabled ?? subscription.AutoRenewEnabled,
        };
        var moved = read.Status?.ToLowerInvariant() switch
        {
            "active" => next.Reactivate(),
            "suspended" or "disabled" or "expired" or "deleted" => next.Suspend(),
            _ => Transition<Tier2Subscription>.Stay(),
        };
        next = moved.Next ?? next;
        return next == subscription ? null : next;
    }
}
