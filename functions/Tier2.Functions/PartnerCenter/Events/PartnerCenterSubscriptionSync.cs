using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using PcSupportContact = Tier2.Functions.PartnerCenter.SupportContact;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2SupportContact = Tier2.Functions.Subscriptions.SupportContact;
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
        var moved = StatusOf(read.Status) switch
        {
            SubscriptionStatus.Active => next.Reactivate(),
            SubscriptionStatus.Suspended => next.Suspend(),
            _ => Transition<Tier2Subscription>.Stay(),
        };
        next = moved.Next ?? next;
        return next == subscription ? null : next;
    }

    /// <summary>
    /// The subscription with the support contact Partner Center names (<paramref name="contact"/>; null: none), which is
    /// the Tier2 reseller <paramref name="resellerId"/>; null when Tier2 already matches.
    /// </summary>
    public static Tier2Subscription? SupportContactChangedInPartnerCenter(this Tier2Subscription subscription, PcSupportContact? contact, string? resellerId)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var next = subscription with
        {
            SupportContact = contact is null || resellerId is null || !Guid.TryParse(contact.SupportTenantId, out var tenant)
                ? null
                : new Tier2SupportContact(tenant, contact.SupportMpnId, contact.Name ?? contact.SupportMpnId, resellerId),
        };
        return next == subscription ? null : next;
    }

    /// <summary>Tier2's status for Partner Center's: <c>active</c> is Active; <c>suspended</c>, <c>disabled</c>, <c>expired</c> and <c>deleted</c> cannot be used, so Suspended; null for any other.</summary>
    public static SubscriptionStatus? StatusOf(string? status) => status?.ToLowerInvariant() switch
    {
        "active" => SubscriptionStatus.Active,
        "suspended" or "disabled" or "expired" or "deleted" => SubscriptionStatus.Suspended,
        _ => null,
    };
}
