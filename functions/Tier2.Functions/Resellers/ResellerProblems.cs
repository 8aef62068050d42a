using Microsoft.AspNetCore.Http.HttpResults;

namespace Tier2.Functions.Resellers;

/// <summary>What an order for a reseller that cannot transact yet answers.</summary>
public static class ResellerProblems
{
    /// <summary>The reseller accepted but Partner Center does not list it yet (or its agreement is unsigned): no orders.</summary>
    public const string AwaitingPartnerCenter = "urn:tier2:problem:reseller-awaiting-partner-center";

    /// <summary>The review's problem code for the same reason.</summary>
    public const string AwaitingPartnerCenterCode = "reseller-awaiting-partner-center";

    /// <summary>409 naming the reseller and what it still has to do in Partner Center; null when it may be ordered for (or is not this case).</summary>
    public static ProblemHttpResult? RefuseOrders(Reseller? reseller) =>
        reseller is { Status: ResellerStatus.AwaitingPartnerCenter }
            ? TypedResults.Problem(
                reseller.OrderRefusal,
                statusCode: StatusCodes.Status409Conflict,
                title: "The reseller is waiting for Partner Center.",
                type: AwaitingPartnerCenter,
                extensions: new Dictionary<string, object?> { ["resellerId"] = reseller.Id, ["reason"] = reseller.AwaitingReason })
            : null;
}
