using System.Text.Json.Serialization;

namespace Tier2.Functions.Subscriptions;

/// <summary>
/// A change asked through Tier2's API that must reach Partner Center before Tier2 holds it: the licence count, the
/// partner of record (the reseller's PartnerID in the subscription's <c>partnerId</c>), the designated support contact.
/// It is stored on the subscription row first (Store, then start); the <c>SubscriptionChange</c> orchestration applies it.
/// </summary>
/// <param name="Id">The change's id: with the subscription's, it names the orchestration that applies it.</param>
public sealed record PartnerCenterChange(
    string Id,
    int? Quantity,
    bool SetsPartnerOfRecord,
    string? PartnerOfRecordResellerId,
    string? PartnerIdOnRecord,
    bool SetsSupportContact,
    SupportContact? SupportContact,
    string RequestedBy,
    DateTimeOffset RequestedAt)
{
    /// <summary>Whether the subscription resource itself (GET-modify-PATCH) changes: its quantity or its partner of record.</summary>
    [JsonIgnore]
    public bool ChangesResource => Quantity is not null || SetsPartnerOfRecord;
}

[JsonConverter(typeof(JsonStringEnumConverter<PartnerCenterSyncOutcome>))]
public enum PartnerCenterSyncOutcome
{
    /// <summary>Partner Center took every part of the change.</summary>
    Applied,

    /// <summary>Partner Center refused (a part of) the change: <see cref="PartnerCenterSync.Refusal"/> says why; what it took is applied.</summary>
    Refused,

    /// <summary>Partner Center could not be reached after the retries: nothing more was applied; ask again.</summary>
    Failed,
}

/// <summary>Why Partner Center refused a change, as the problem details the API would answer (status, type, the field it names).</summary>
public sealed record PartnerCenterRefusal(int Status, string Type, string Field, string Detail, string? PartnerCenterCode);

/// <summary>What Partner Center answered to the last change, as it answered it.</summary>
/// <param name="Quantity">Partner Center's <c>quantity</c> after the change.</param>
/// <param name="PartnerId">Partner Center's <c>partnerId</c> (the reseller of record's PartnerID).</param>
/// <param name="AutoRenewEnabled">Partner Center's <c>autoRenewEnabled</c>: a full-resource PATCH keeps it.</param>
/// <param name="SupportMpnId">The support contact's PartnerID, when the change set it.</param>
/// <param name="Unapplied">
/// For a <see cref="PartnerCenterSyncOutcome.Failed"/> change, the change itself: it never reached Partner Center, and the
/// reconciliation job drives it again (<see cref="Subscription.RedriveFailedChange"/>).
/// </param>
public sealed record PartnerCenterSync(
    string ChangeId,
    PartnerCenterSyncOutcome Outcome,
    int? Quantity,
    string? PartnerId,
    bool? AutoRenewEnabled,
    string? SupportMpnId,
    PartnerCenterRefusal? Refusal,
    DateTimeOffset SyncedAt,
    PartnerCenterChange? Unapplied = null);
