using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

[JsonConverter(typeof(JsonStringEnumConverter<ResellerStatus>))]
public enum ResellerStatus
{
    /// <summary>The reseller accepted; its partnership orchestration is activating it.</summary>
    PendingActivation,

    /// <summary>
    /// The reseller accepted, but Partner Center does not list it as the provider's indirect reseller yet, or it has not
    /// signed the Microsoft Partner Agreement: nobody can order for it until the sync finds it (<see cref="Reseller.AwaitingReason"/> says what is missing).
    /// </summary>
    AwaitingPartnerCenter,

    /// <summary>Partnered: can be given customers and subscriptions.</summary>
    Active,

    /// <summary>Partnership paused by the provider; existing associations remain but no new ones.</summary>
    Suspended,
}

/// <summary>An indirect reseller the provider has a partnership with.</summary>
public sealed partial record Reseller
{
    public required string Id { get; init; }

    public required string CompanyName { get; init; }

    /// <summary>The reseller's PartnerID (MPN ID), digits.</summary>
    public required string MpnId { get; init; }

    /// <summary>The reseller's Microsoft Entra tenant.</summary>
    public required Guid TenantId { get; init; }

    /// <summary>The reseller's Microsoft Partner Agreement, as Partner Center last answered.</summary>
    public PartnerAgreementStatus AgreementStatus { get; init; }

    /// <summary>When Tier2 found the reseller in Partner Center's indirect resellers (its <see cref="TenantId"/> is then Partner Center's); null while not linked.</summary>
    public DateTimeOffset? LinkedAt { get; init; }

    /// <summary>Created by the sync from Partner Center's indirect resellers, without an invite.</summary>
    public bool ImportedFromPartnerCenter { get; init; }

    /// <summary>While <see cref="ResellerStatus.AwaitingPartnerCenter"/>: what the reseller still has to do in Partner Center.</summary>
    public string? AwaitingReason { get; init; }

    /// <summary>Why the reseller was suspended, when Tier2 knows (the sync: its partnership was removed in Partner Center).</summary>
    public string? SuspensionReason { get; init; }

    public required string ContactName { get; init; }

    public required string ContactEmail { get; init; }

    /// <summary>The address the partnership invite went to.</summary>
    public required string InvitedEmail { get; init; }

    public required ResellerStatus Status { get; init; }

    public string? InviteId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ActivatedAt { get; init; }

    public DateTimeOffset? SuspendedAt { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>A reseller that accepted an invite (through the invite page): PendingActivation until the invite's orchestration activates it.</summary>
    public static Reseller Accepted(
        string id, string companyName, string mpnId, Guid tenantId, string contactName, string contactEmail, string invitedEmail, string inviteId, DateTimeOffset now) => new()
    {
        Id = id,
        CompanyName = companyName,
        MpnId = mpnId,
        TenantId = tenantId,
        ContactName = contactName,
        ContactEmail = contactEmail,
        InvitedEmail = invitedEmail,
        Status = ResellerStatus.PendingActivation,
        InviteId = inviteId,
        CreatedAt = now,
    };

    /// <summary>The partnership orchestration activates a reseller that accepted.</summary>
    public Transition<Reseller> Activate(DateTimeOffset now) => Move(ResellerStatus.PendingActivation, ResellerStatus.Active, now);

    /// <summary>The provider pauses an Active partnership (existing associations remain, no new ones).</summary>
    public Transition<Reseller> Suspend(DateTimeOffset now) => Move(ResellerStatus.Active, ResellerStatus.Suspended, now);

    /// <summary>The provider resumes a Suspended partnership.</summary>
    public Transition<Reseller> Reactivate(DateTimeOffset now) => Move(ResellerStatus.Suspended, ResellerStatus.Active, now);

    // Every move is from one status to another: already there is nothing to do, any other status is refused.
    private Transition<Reseller> Move(ResellerStatus from, ResellerStatus to, DateTimeOffset now)
    {
        if (Status == to)
        {
            return Transition<Reseller>.Stay();
        }

        if (Status != from)
        {
            return Transition<Reseller>.Refuse($"The reseller is {Status}; only a {from} reseller can become {to}.");
        }

        return Transition<Reseller>.To(this with
        {
            Status = to,
            ActivatedAt = to == ResellerStatus.Active ? ActivatedAt ?? now : ActivatedAt,
            SuspendedAt = to == ResellerStatus.Suspended ? now : null,
        });
    }
}
