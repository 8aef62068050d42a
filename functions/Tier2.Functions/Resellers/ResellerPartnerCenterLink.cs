using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

/// <summary>The reseller's Microsoft Partner Agreement (<c>GET /v1/compliance/csp/agreementstatus</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PartnerAgreementStatus>))]
public enum PartnerAgreementStatus
{
    /// <summary>Not asked yet (Partner Center Disabled, or the reseller was not found there).</summary>
    Unknown,

    /// <summary>Signed (<c>isAgreementSigned: true</c>).</summary>
    Accepted,

    /// <summary>Not signed (Partner Center answers 400 with code 2203).</summary>
    NotAccepted,
}

/// <summary>What Partner Center says about one reseller: listed as the provider's indirect reseller, and its agreement.</summary>
/// <param name="TenantId">The relationship's <c>id</c>: the reseller's tenant, as Partner Center knows it.</param>
public sealed record PartnerCenterStanding(Guid TenantId, string MpnId, string? Name, PartnerAgreementStatus Agreement);

/// <summary>
/// The reseller's link to Partner Center: the transitions the invite's activation and the sync make. Each checks
/// the reseller's current state and returns the reseller after it, nothing to do, or a refusal.
/// </summary>
public sealed partial record Reseller
{
    /// <summary>What a reseller waiting for Partner Center is told to do, and what an order for it answers.</summary>
    public const string NotListedReason = "Partner Center does not list the reseller as the provider's indirect reseller yet: in Partner Center, accept the provider's indirect reseller request (Partner Center > Indirect providers), and sign the Microsoft Partner Agreement.";

    public const string AgreementNotSignedReason = "The reseller has not signed the Microsoft Partner Agreement: sign it in Partner Center (Settings > Account settings > Agreements).";

    /// <summary>Why nobody can order for this reseller now; null when it is Active.</summary>
    [JsonIgnore]
    public string? OrderRefusal => Status switch
    {
        ResellerStatus.Active => null,
        ResellerStatus.AwaitingPartnerCenter => $"Reseller '{CompanyName}' is waiting for Partner Center: {AwaitingReason ?? NotListedReason}",
        _ => $"Reseller '{CompanyName}' is {Status}; only an Active reseller can be given customers and subscriptions.",
    };

    /// <summary>A reseller that exists only in Partner Center, imported by the sync: no invite, Active when its agreement is signed.</summary>
    public static Reseller Imported(PartnerCenterStanding standing, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(standing);
        var signed = standing.Agreement == PartnerAgreementStatus.Accepted;
        return new Reseller
        {
            Id = ImportedId(standing.TenantId),
            CompanyName = string.IsNullOrWhiteSpace(standing.Name) ? $"PartnerID {standing.MpnId}" : standing.Name.Trim(),
            MpnId = standing.MpnId,
            TenantId = standing.TenantId,
            ContactName = string.Empty,
            ContactEmail = string.Empty,
            InvitedEmail = string.Empty,
            Status = signed ? ResellerStatus.Active : ResellerStatus.AwaitingPartnerCenter,
            AwaitingReason = signed ? null : AgreementNotSignedReason,
            AgreementStatus = standing.Agreement,
            ImportedFromPartnerCenter = true,
            LinkedAt = now,
            CreatedAt = now,
            ActivatedAt = signed ? now : null,
        };
    }

    /// <summary>An imported reseller's id: its tenant's, so a re-run (or a concurrent one) imports it once.</summary>
    public static string ImportedId(Guid tenantId) => tenantId.ToString("N");

    /// <summary>
    /// Partner Center lists the reseller (by its PartnerID) and its agreement is signed: it is linked (its tenant id becomes
    /// Partner Center's) and Active. An Active reseller that was never linked (accepted while Partner Center was Disabled)
    /// is linked too. A suspended one stays suspended: the provider reactivates it.
    /// </summary>
    public Transition<Reseller> Link(PartnerCenterStanding standing, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(standing);
        if (standing.Agreement != PartnerAgreementStatus.Accepted && Status != ResellerStatus.Active)
        {
            return AwaitPartnerCenter(AgreementNotSignedReason, standing.Agreement);
        }

        if (Status is not (ResellerStatus.PendingActivation or ResellerStatus.AwaitingPartnerCenter or ResellerStatus.Active))
        {
            return Transition<Reseller>.Refuse($"The reseller is {Status}; only a reseller that accepted, or an Active one, is linked to Partner Center.");
        }

        if (Status == ResellerStatus.Active && LinkedAt is not null && TenantId == standing.TenantId && AgreementStatus == standing.Agreement)
        {
            return Transition<Reseller>.Stay();
        }

        return Transition<Reseller>.To(this with
        {
            Status = ResellerStatus.Active,
            TenantId = standing.TenantId,
            AgreementStatus = standing.Agreement,
            LinkedAt = LinkedAt ?? now,
            AwaitingReason = null,
            ActivatedAt = ActivatedAt ?? now,
        });
    }

    /// <summary>The reseller accepted but Partner Center does not list it (or its agreement is unsigned): it waits, with the reason.</summary>
    public Transition<Reseller> AwaitPartnerCenter(string reason, PartnerAgreementStatus agreement = PartnerAgreementStatus.Unknown)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Status is not (ResellerStatus.PendingActivation or ResellerStatus.AwaitingPartnerCenter))
        {
            return Transition<Reseller>.Refuse($"The reseller is {Status}; only a reseller that accepted waits for Partner Center.");
        }

        return Status == ResellerStatus.AwaitingPartnerCenter && AwaitingReason == reason && AgreementStatus == agreement
            ? Transition<Reseller>.Stay()
            : Transition<Reseller>.To(this with { Status = ResellerStatus.AwaitingPartnerCenter, AwaitingReason = reason, AgreementStatus = agreement });
    }

    /// <summary>The partnership was removed in Partner Center: a linked, Active reseller is suspended with the reason.</summary>
    public Transition<Reseller> RemoveFromPartnerCenter(string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (Status == ResellerStatus.Suspended)
        {
            return Transition<Reseller>.Stay();
        }

        if (Status != ResellerStatus.Active || LinkedAt is null)
        {
            return Transition<Reseller>.Refuse($"The reseller is {Status}{(LinkedAt is null ? ", not linked to Partner Center" : string.Empty)}; only a linked, Active reseller is suspended when Partner Center removes it.");
        }

        return Transition<Reseller>.To(this with { Status = ResellerStatus.Suspended, SuspendedAt = now, SuspensionReason = reason });
    }
}
