using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Subscriptions;
using AuditRecord = Tier2.Functions.PartnerCenter.AuditRecord;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// A subscription's designated support contact as Partner Center gave it (<c>GET .../supportcontact</c>, App+User), or
/// why it could not be compared: Partner Center refuses the call for new-commerce subscriptions (FACTS 8, 2023; current
/// status UNVERIFIED), and a refusal says nothing about drift.
/// </summary>
public sealed record SupportContactRead(bool Comparable, string? SupportTenantId, string? SupportMpnId, string? Name, string? Why)
{
    /// <summary>Partner Center names no support contact (404).</summary>
    public static SupportContactRead None { get; } = new(true, null, null, null, null);

    public static SupportContactRead Of(string? supportTenantId, string? supportMpnId, string? name) => new(true, supportTenantId, supportMpnId, name, null);

    public static SupportContactRead NotComparable(string why) => new(false, null, null, null, why);
}

/// <summary>One field that differs: what Tier2 holds and what Partner Center holds (null: none).</summary>
public sealed record FieldDrift(string Field, string? Tier2Value, string? PartnerCenterValue)
{
    public override string ToString() => $"{Field} Tier2 {Tier2Value ?? "none"} / Partner Center {PartnerCenterValue ?? "none"}";
}

/// <summary>What the job does about one subscription once it compared it.</summary>
public enum DriftVerdict
{
    /// <summary>Tier2 and Partner Center agree (on what could be compared).</summary>
    Matches,

    /// <summary>A change Tier2 asked for is on its way (its orchestration runs): not compared, not touched.</summary>
    ChangeInFlight,

    /// <summary>A change Tier2 asked for never reached Partner Center (its orchestration is missing or ended without an answer): Tier2 drives it again.</summary>
    RedriveTier2Change,

    /// <summary>Partner Center changed outside Tier2: Tier2's row takes what Partner Center says (Partner Center decides).</summary>
    TakePartnerCenter,
}

/// <summary>
/// The comparison the associations job makes when Partner Center is Enabled, without storage or calls: which of a
/// subscription's partner of record, support contact, quantity and status differ, who owns the difference, and which
/// audit record says who changed it in Partner Center.
/// </summary>
public static class SubscriptionDrift
{
    public const string Quantity = "quantity";
    public const string PartnerOfRecord = "partnerOfRecord";
    public const string SupportContact = "supportContact";
    public const string Status = "status";

    /// <summary>
    /// The fields that differ. The partner of record is compared by PartnerID (<c>partnerId</c>), the support contact by
    /// the reseller's PartnerID, and only when <paramref name="support"/> is comparable; the status as the events'
    /// re-read maps it (<c>active</c> Active; <c>suspended</c>, <c>disabled</c>, <c>expired</c>, <c>deleted</c> Suspended).
    /// </summary>
    public static IReadOnlyList<FieldDrift> Compare(Tier2Subscription row, PcSubscription read, SupportContactRead support)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(support);
        var drifts = new List<FieldDrift>();
        if (row.Quantity != read.Quantity)
        {
            drifts.Add(new(Quantity, row.Quantity.ToString(CultureInfo.InvariantCulture), read.Quantity.ToString(CultureInfo.InvariantCulture)));
        }

        if (!string.Equals(Blank(row.PartnerIdOnRecord), Blank(read.PartnerId), StringComparison.Ordinal))
        {
            drifts.Add(new(PartnerOfRecord, Blank(row.PartnerIdOnRecord), Blank(read.PartnerId)));
        }

        if (support.Comparable && !string.Equals(Blank(row.SupportContact?.SupportMpnId), Blank(support.SupportMpnId), StringComparison.Ordinal))
        {
            drifts.Add(new(SupportContact, Blank(row.SupportContact?.SupportMpnId), Blank(support.SupportMpnId)));
        }

        if (PartnerCenterSubscriptionSync.StatusOf(read.Status) is { } status && status != row.Status)
        {
            drifts.Add(new(Status, row.Status.ToString(), read.Status));
        }

        return drifts;
    }

    /// <summary>
    /// Who owns a difference. A row with a pending change belongs to that change: while its orchestration
    /// (<paramref name="changeInstance"/>) is Pending, Running or Suspended it is in flight; when the change is older than
    /// <paramref name="threshold"/> and the instance is missing or ended without recording Partner Center's answer, Tier2
    /// drives it again, as it does a change that failed after its retries (<see cref="PartnerCenterSync.Unapplied"/>). A row
    /// without either records only what Partner Center answered, so a difference was made in Partner Center.
    /// </summary>
    public static DriftVerdict Decide(Tier2Subscription row, IReadOnlyList<FieldDrift> drifts, OrchestrationRuntimeStatus? changeInstance, DateTimeOffset threshold)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(drifts);
        if (row.PendingChange is null && row.PartnerCenterSync is { Outcome: PartnerCenterSyncOutcome.Failed, Unapplied: not null })
        {
            // It failed after its retries: its orchestration has ended.
            return DriftVerdict.RedriveTier2Change;
        }

        if (row.PendingChange is { } change)
        {
            var ended = changeInstance is null or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Completed;
            return ended && change.RequestedAt < threshold ? DriftVerdict.RedriveTier2Change : DriftVerdict.ChangeInFlight;
        }

        return drifts.Count == 0 ? DriftVerdict.Matches : DriftVerdict.TakePartnerCenter;
    }

    /// <summary>
    /// The newest <c>update_subscription</c> record whose new value is subscription <paramref name="subscriptionId"/>
    /// (the resource's <c>id</c>), or null: who last changed it in Partner Center, and when.
    /// </summary>
    public static AuditRecord? LastChangeOf(IEnumerable<AuditRecord> records, string subscriptionId)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records
            .Where(r => string.Equals(r.OperationType, "update_subscription", StringComparison.OrdinalIgnoreCase) && string.Equals(IdOf(r.ResourceNewValue), subscriptionId, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => r.OperationDate ?? DateTimeOffset.MinValue)
            .FirstOrDefault();
    }

    /// <summary>"by megan@… at 2026-12-02 10:00:00Z", or why Tier2 cannot say (Partner Center keeps 90 days of records).</summary>
    public static string WhoAndWhen(AuditRecord? change, TimeSpan window) => change switch
    {
        null => $"no Partner Center audit record of the last {window.TotalDays:0} days names who changed it",
        { UserPrincipalName: { Length: > 0 } user } => $"changed in Partner Center by {user} at {change.OperationDate:u}",
        { ApplicationId: { Length: > 0 } app } => $"changed in Partner Center by application {app} at {change.OperationDate:u}",
        _ => $"changed in Partner Center at {change.OperationDate:u} (the record names no user)",
    };

    private static string? IdOf(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("id") || property.NameEquals("Id"))
                {
                    return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
            // A value that is not JSON names no subscription.
        }

        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
