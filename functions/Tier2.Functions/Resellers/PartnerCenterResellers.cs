using Microsoft.Extensions.Options;
using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Resellers;

/// <summary>
/// What Partner Center says about the provider's indirect resellers (FACTS 3; both calls App+User): the list
/// <c>GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf</c> (id = tenant id, mpnId = PartnerID),
/// and each reseller's Microsoft Partner Agreement, <c>GET /v1/compliance/csp/agreementstatus?mpnId=</c>.
/// A transient failure (429 or 5xx after the client's retries) is thrown, for the caller's retries.
/// </summary>
public sealed class PartnerCenterResellers(PartnerCenterClient client, IOptions<PartnerCenterOptions> options)
{
    /// <summary>The error code the agreement-status call answers (400) for a reseller that has not signed (FACTS 3, the local server's reading).</summary>
    public const string AgreementNotSignedCode = "2203";

    public bool IsEnabled => options.Value.IsEnabled;

    /// <summary>The provider's indirect resellers whose relationship is active, keyed by PartnerID.</summary>
    public async Task<IReadOnlyDictionary<string, PartnerRelationship>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, PartnerRelationship>(StringComparer.Ordinal);
        await foreach (var relationship in client.Relationships.ListIndirectResellersAsync(cancellationToken))
        {
            // A state other than Active (none is documented) is not a partnership to transact on.
            if (relationship.MpnId is { Length: > 0 } mpnId && Guid.TryParse(relationship.Id, out _)
                && (relationship.State is null || string.Equals(relationship.State, "Active", StringComparison.OrdinalIgnoreCase)))
            {
                found[mpnId] = relationship;
            }
        }

        return found;
    }

    /// <summary>The reseller with PartnerID <paramref name="mpnId"/> as Partner Center lists it, with its agreement; null when not listed.</summary>
    public async Task<PartnerCenterStanding?> FindAsync(string mpnId, CancellationToken cancellationToken)
    {
        var listed = await ListAsync(cancellationToken);
        return listed.TryGetValue(mpnId, out var relationship) ? await StandingAsync(relationship, cancellationToken) : null;
    }

    /// <summary>A listed reseller with its agreement status.</summary>
    public async Task<PartnerCenterStanding> StandingAsync(PartnerRelationship relationship, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(relationship);
        var mpnId = relationship.MpnId ?? throw new ArgumentException("The relationship has no PartnerID.", nameof(relationship));
        return new PartnerCenterStanding(Guid.Parse(relationship.Id), mpnId, relationship.Name, await AgreementAsync(mpnId, cancellationToken));
    }

    private async Task<PartnerAgreementStatus> AgreementAsync(string mpnId, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.Compliance.GetAgreementStatusByMpnIdAsync(mpnId, cancellationToken)).IsAgreementSigned
                ? PartnerAgreementStatus.Accepted
                : PartnerAgreementStatus.NotAccepted;
        }
        catch (PartnerCenterException ex) when (ex.Kind == PartnerCenterErrorKind.Refused)
        {
            // 2203 is "not signed"; the page's other refusals (2000, 2001, 2200) leave it unknown. Either way it is not signed as far as Tier2 can tell.
            return ex.Code == AgreementNotSignedCode ? PartnerAgreementStatus.NotAccepted : PartnerAgreementStatus.Unknown;
        }
    }

    /// <summary>Whether a failure is Partner Center's configuration or connection (waiting helps, retrying now does not).</summary>
    public static bool IsConnectionProblem(PartnerCenterException exception) =>
        exception?.Kind is PartnerCenterErrorKind.NotConnected or PartnerCenterErrorKind.NotConfigured or PartnerCenterErrorKind.AuthenticationFailed;
}
