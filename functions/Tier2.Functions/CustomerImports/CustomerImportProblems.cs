using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.CustomerImports;

/// <summary>What the import and the relationship request link answer when they cannot go on.</summary>
public static class CustomerImportProblems
{
    /// <summary>The reseller is not (or no longer) linked to its Partner Center identity: its customers cannot be asked for.</summary>
    public const string ResellerNotLinked = "urn:tier2:problem:reseller-not-linked";

    /// <summary>Partner Center answered the relationship request in a shape Tier2 does not read (its output is UNVERIFIED, FACTS 4).</summary>
    public const string AnswerNotUnderstood = "urn:tier2:problem:partner-center-answer-not-understood";

    /// <summary>
    /// 409 unless the reseller is Active and linked to Partner Center (its tenant id is then Partner Center's, the one the
    /// customer filter and the link name); 503 when Partner Center is Disabled. Null when the reseller may be asked for.
    /// </summary>
    public static ProblemHttpResult? RefuseUnlinked(Reseller reseller, PartnerCenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(reseller);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsEnabled)
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.NotConfigured, "Partner Center is not configured: set PartnerCenter__Mode=Enabled and the PartnerCenter__* settings.");
        }

        var reason = reseller switch
        {
            { Status: ResellerStatus.Active, LinkedAt: not null } => null,
            { Status: ResellerStatus.Active } => $"Reseller '{reseller.CompanyName}' is not linked to Partner Center yet (it was partnered while Partner Center was Disabled): the Partner Center reseller sync links it once Partner Center lists it.",
            _ => reseller.OrderRefusal,
        };
        return reason is null
            ? null
            : TypedResults.Problem(
                reason,
                statusCode: StatusCodes.Status409Conflict,
                title: "The reseller is not linked to Partner Center.",
                type: ResellerNotLinked,
                extensions: new Dictionary<string, object?> { ["resellerId"] = reseller.Id, ["resellerStatus"] = reseller.Status.ToString() });
    }

    /// <summary>502 naming what came back: the answer is stored as it came (nothing lost), and a later read asks again.</summary>
    public static ProblemHttpResult NotUnderstood(StoredRelationshipRequest stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return TypedResults.Problem(
            "Partner Center's answer to the relationship request was not understood: it carried no url in either shape Tier2 reads ({url} or a collection of them). The answer is kept as it came; the next read asks Partner Center again.",
            statusCode: StatusCodes.Status502BadGateway,
            title: "Partner Center's answer was not understood.",
            type: AnswerNotUnderstood,
            extensions: new Dictionary<string, object?> { ["resellerId"] = stored.ResellerId, ["shape"] = stored.Shape.ToString(), ["answer"] = stored.Answer.Length > 2000 ? stored.Answer[..2000] : stored.Answer });
    }
}
