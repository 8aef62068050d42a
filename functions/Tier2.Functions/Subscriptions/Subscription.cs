using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Tier2.Functions.Offers;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Subscriptions;

[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionStatus>))]
public enum SubscriptionStatus
{
    Active,
    Suspended,
}

/// <summary>The designated support contact, in Partner Center's shape; <see cref="ResellerId"/> says which partnered reseller it is.</summary>
public sealed record SupportContact(Guid SupportTenantId, string SupportMpnId, string Name, string ResellerId);

/// <summary>A customer's subscription to an offer.</summary>
public sealed record Subscription
{
    public required string Id { get; init; }

    public required string CustomerId { get; init; }

    public required string OfferId { get; init; }

    public required string OfferName { get; init; }

    public required int Quantity { get; init; }

    public required string TermDuration { get; init; }

    public required string BillingCycle { get; init; }

    public required SubscriptionStatus Status { get; init; }

    /// <summary>The reseller credited for incentives (the seed's "Reseller (MPN ID)" field).</summary>
    public string? PartnerOfRecordResellerId { get; init; }

    /// <summary>Partner Center's <c>partnerIdOnRecord</c>: the partner-of-record reseller's MPN ID, never the provider's.</summary>
    public string? PartnerIdOnRecord { get; init; }

    public SupportContact? SupportContact { get; init; }

    /// <summary>Partner Center's <c>autoRenewEnabled</c>, as last read from Partner Center; null when never read.</summary>
    public bool? AutoRenewEnabled { get; init; }

    public string? OrderId { get; init; }

    /// <summary>The subscription's Partner Center id, once Partner Center provisioned it; null when Partner Center is Disabled.</summary>
    public string? PartnerCenterSubscriptionId { get; init; }

    /// <summary>The Partner Center order that bought it.</summary>
    public string? PartnerCenterOrderId { get; init; }

    /// <summary>A change asked through Tier2's API that Partner Center has not answered yet (at most one at a time).</summary>
    public PartnerCenterChange? PendingChange { get; init; }

    /// <summary>What Partner Center answered to the last change: what it holds now, or why it refused.</summary>
    public PartnerCenterSync? PartnerCenterSync { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>What a reseller admin may see: subscriptions it is partner of record or support contact for.</summary>
    public bool IsVisibleTo(string resellerId) =>
        string.Equals(PartnerOfRecordResellerId, resellerId, StringComparison.Ordinal) || string.Equals(SupportContact?.ResellerId, resellerId, StringComparison.Ordinal);

    /// <summary>A new, Active subscription to <paramref name="offer"/>, with <paramref name="partnerOfRecord"/> credited (its MPN ID on record).</summary>
    public static Subscription Purchase(
        string id, string customerId, Offer offer, int quantity, string termDuration, string billingCycle, Reseller? partnerOfRecord, string? orderId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(offer);
        return new()
        {
            Id = id,
            CustomerId = customerId,
            OfferId = offer.Id,
            OfferName = offer.Name,
            Quantity = quantity,
            TermDuration = termDuration,
            BillingCycle = billingCycle,
            Status = SubscriptionStatus.Active,
            PartnerOfRecordResellerId = partnerOfRecord?.Id,
            PartnerIdOnRecord = partnerOfRecord?.MpnId,
            OrderId = orderId,
            CreatedAt = now,
        };
    }

    /// <summary>Suspends an Active subscription (its license count is then frozen until it is reactivated).</summary>
    public Transition<Subscription> Suspend() =>
        Status == SubscriptionStatus.Suspended ? Transition<Subscription>.Stay() : Transition<Subscription>.To(this with { Status = SubscriptionStatus.Suspended });

    /// <summary>Reactivates a Suspended subscription.</summary>
    public Transition<Subscription> Reactivate() =>
        Status == SubscriptionStatus.Active ? Transition<Subscription>.Stay() : Transition<Subscription>.To(this with { Status = SubscriptionStatus.Active });

    /// <summary>Why the license count cannot become <paramref name="quantity"/> once the subscription is <paramref name="status"/>, or null: a suspended subscription's count does not change.</summary>
    public string? QuantityRefusal(int quantity, SubscriptionStatus status) =>
        status == SubscriptionStatus.Suspended && quantity != Quantity ? "A suspended subscription's license count cannot change; reactivate it first." : null;

    /// <summary>
    /// Applies a checked PATCH: each part that differs changes, in order (licenses, partner of record, support
    /// contact, status), and the audit action names every part that did ("quantity-changed,suspended").
    /// </summary>
    public (Subscription After, string Action) Apply(SubscriptionPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var actions = new List<string>();
        var next = this;
        if (patch.Quantity is { } quantity && quantity != Quantity)
        {
            next = next with { Quantity = quantity };
            actions.Add("quantity-changed");
        }

        if (patch.SetsPartnerOfRecord && !string.Equals(patch.PartnerOfRecord?.Id, PartnerOfRecordResellerId, StringComparison.Ordinal))
        {
            next = next with { PartnerOfRecordResellerId = patch.PartnerOfRecord?.Id, PartnerIdOnRecord = patch.PartnerOfRecord?.MpnId };
            actions.Add("partner-of-record-changed");
        }

        if (patch.SetsSupportContact && !string.Equals(patch.SupportContact?.Id, SupportContact?.ResellerId, StringComparison.Ordinal))
        {
            next = next with { SupportContact = patch.SupportContact is null ? null : PartnerRules.ContactFor(patch.SupportContact) };
            actions.Add("support-contact-changed");
        }

        var moved = patch.Status switch
        {
            SubscriptionStatus.Suspended => next.Suspend(),
            SubscriptionStatus.Active => next.Reactivate(),
            _ => Transition<Subscription>.Stay(),
        };
        if (moved.Next is { } after)
        {
            next = after;
            actions.Add(after.Status == SubscriptionStatus.Suspended ? "suspended" : "reactivated");
        }

        return (next, string.Join(",", actions));
    }

    /// <summary>
    /// This subscription as reseller admin <paramref name="resellerId"/> sees it: another reseller's partner of record,
    /// support contact or order is not its to see. <paramref name="customerPartnerId"/> is the reseller the customer was
    /// created for: the order that created the customer (and every subscription that carries an order id) was that reseller's.
    /// </summary>
    public Subscription SeenBy(string resellerId, string? customerPartnerId)
    {
        var partnerOfRecord = string.Equals(PartnerOfRecordResellerId, resellerId, StringComparison.Ordinal);
        return this with
        {
            PartnerOfRecordResellerId = partnerOfRecord ? PartnerOfRecordResellerId : null,
            PartnerIdOnRecord = partnerOfRecord ? PartnerIdOnRecord : null,
            SupportContact = string.Equals(SupportContact?.ResellerId, resellerId, StringComparison.Ordinal) ? SupportContact : null,
            OrderId = string.Equals(customerPartnerId, resellerId, StringComparison.Ordinal) ? OrderId : null,
        };
    }

    /// <summary>
    /// A checked PATCH for a subscription that lives in Partner Center: the licence count, partner of record and support
    /// contact become a <see cref="PendingChange"/> (Tier2 holds them once Partner Center takes them); a status change
    /// applies at once. Refused while another change is pending. <c>Change</c> is null when nothing must reach Partner Center.
    /// </summary>
    public (Transition<Subscription> Moved, string Action, PartnerCenterChange? Change) RequestPartnerCenterChange(SubscriptionPatch patch, string changeId, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var quantity = patch.Quantity is { } q && q != Quantity ? q : (int?)null;
        var setsPartner = patch.SetsPartnerOfRecord && !string.Equals(patch.PartnerOfRecord?.Id, PartnerOfRecordResellerId, StringComparison.Ordinal);
        var setsSupport = patch.SetsSupportContact && !string.Equals(patch.SupportContact?.Id, SupportContact?.ResellerId, StringComparison.Ordinal);
        var (local, action) = Apply(patch with { Quantity = null, SetsPartnerOfRecord = false, SetsSupportContact = false });
        if (quantity is null && !setsPartner && !setsSupport)
        {
            return (local == this ? Transition<Subscription>.Stay() : Transition<Subscription>.To(local), action, null);
        }

        if (PendingChange is { } pending)
        {
            return (Transition<Subscription>.Refuse($"Change {pending.Id} (asked at {pending.RequestedAt:u}) is still on its way to Partner Center; wait until the subscription's pendingChange is gone, then ask again."), action, null);
        }

        var change = new PartnerCenterChange(
            changeId,
            quantity,
            setsPartner,
            setsPartner ? patch.PartnerOfRecord?.Id : null,
            setsPartner ? patch.PartnerOfRecord?.MpnId : null,
            setsSupport,
            setsSupport && patch.SupportContact is { } support ? PartnerRules.ContactFor(support) : null,
            actor,
            now);
        var actions = string.IsNullOrEmpty(action) ? "partner-center-change-requested" : action + ",partner-center-change-requested";
        return (Transition<Subscription>.To(local with { PendingChange = change }), actions, change);
    }

    /// <summary>
    /// Partner Center's answer to the pending change <paramref name="changeId"/>: the parts it took become Tier2's
    /// (<paramref name="quantityTaken"/>, <paramref name="partnerTaken"/>, <paramref name="supportTaken"/>), the answer is
    /// recorded, and the change is no longer pending. A repeat (the change already answered) stays.
    /// </summary>
    public Transition<Subscription> RecordPartnerCenterAnswer(string changeId, PartnerCenterSync answer, bool quantityTaken, bool partnerTaken, bool supportTaken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (PendingChange is not { } change || !string.Equals(change.Id, changeId, StringComparison.Ordinal))
        {
            return Transition<Subscription>.Stay();
        }

        // A change that never reached Partner Center stays known, so it can be driven again.
        var next = this with { PendingChange = null, PartnerCenterSync = answer.Outcome == PartnerCenterSyncOutcome.Failed ? answer with { Unapplied = change } : answer };
        if (quantityTaken && change.Quantity is { } quantity)
        {
            next = next with { Quantity = quantity };
        }

        if (partnerTaken && change.SetsPartnerOfRecord)
        {
            next = next with { PartnerOfRecordResellerId = change.PartnerOfRecordResellerId, PartnerIdOnRecord = change.PartnerIdOnRecord };
        }

        if (supportTaken && change.SetsSupportContact)
        {
            next = next with { SupportContact = change.SupportContact };
        }

        return Transition<Subscription>.To(next);
    }

    /// <summary>
    /// The change that failed to reach Partner Center (<see cref="PartnerCenterSync.Unapplied"/>) becomes pending again,
    /// with its id, so its orchestration can apply it. Stays when no change failed or another is pending.
    /// </summary>
    public Transition<Subscription> RedriveFailedChange() =>
        PendingChange is null && PartnerCenterSync is { Outcome: PartnerCenterSyncOutcome.Failed, Unapplied: { } failed } sync
            ? Transition<Subscription>.To(this with { PendingChange = failed, PartnerCenterSync = sync with { Unapplied = null } })
            : Transition<Subscription>.Stay();
}

/// <summary>
/// A subscription PATCH, checked: a null part stays as it is. <see cref="SetsPartnerOfRecord"/> (or
/// <see cref="SetsSupportContact"/>) with a null reseller clears it.
/// </summary>
public sealed record SubscriptionPatch(int? Quantity, bool SetsPartnerOfRecord, Reseller? PartnerOfRecord, bool SetsSupportContact, Reseller? SupportContact, SubscriptionStatus? Status);

/// <summary><c>POST /api/customers/{id}/subscriptions</c>: buy a new subscription.</summary>
public sealed record CreateSubscriptionRequest([property: Required] string? OfferId, [property: Required] int? Quantity, [property: Required] string? TermDuration, [property: Required] string? BillingCycle, string? PartnerOfRecordResellerId);

/// <summary>
/// <c>PATCH /api/customers/{id}/subscriptions/{sid}</c>: every field optional; an empty string clears the partner of
/// record or the support contact.
/// </summary>
public sealed record UpdateSubscriptionRequest(int? Quantity, string? PartnerOfRecordResellerId, string? SupportContactResellerId, string? Status);
