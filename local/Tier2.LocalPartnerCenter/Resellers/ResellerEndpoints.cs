using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>The provider's indirect resellers (FACTS 3): the relationships list, MPA status and PartnerID profiles.</summary>
internal static class ResellerEndpoints
{
    public static void MapResellerEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/relationships", Relationships).AppPlusUserOnly();
        v1.MapGet("/compliance/csp/agreementstatus", AgreementStatus).AppPlusUserOnly();
        v1.MapGet("/profiles/mpn", MpnProfile);
    }

    /// <summary>Example 1 [K:retrieve-a-list-of-indirect-resellers]; no paging is documented, so none.</summary>
    private static IResult Relationships(string? relationship_type, PartnerCenterState state)
    {
        if (string.IsNullOrEmpty(relationship_type))
        {
            return PartnerCenterErrors.InvalidInput("relationship_type", "is required.");
        }

        lock (state.Gate)
        {
            List<PartnerRelationship> items = relationship_type.Equals("IsIndirectCloudSolutionProviderOf", StringComparison.OrdinalIgnoreCase)
                ? [.. state.Resellers.Values.Where(r => r.Active).Select(r => r.ToRelationship())]
                : [];
            return TypedResults.Json(ResourceCollection<PartnerRelationship>.Of(items), PartnerCenterJson.Default.ResourceCollectionPartnerRelationship);
        }
    }

    /// <summary>The answers and error codes of [K:verify-indirect-reseller-mpa-status], including 400/2203 for a reseller that
    /// has not signed (that page's documented failure; <c>{isAgreementSigned:false}</c> is never sent).</summary>
    private static IResult AgreementStatus(string? mpnId, string? tenantId, PartnerCenterState state)
    {
        if (string.IsNullOrEmpty(mpnId) && string.IsNullOrEmpty(tenantId))
        {
            return PartnerCenterErrors.Fail(400, 2001, "Both MPN Id and Tenant Id cannot be empty.");
        }

        if (!string.IsNullOrEmpty(mpnId) && !string.IsNullOrEmpty(tenantId))
        {
            return PartnerCenterErrors.Fail(400, 2000, "Both MPN Id and Tenant Id should not be passed.");
        }

        if (tenantId is not null && !Guid.TryParse(tenantId, out _))
        {
            return PartnerCenterErrors.Fail(400, 2000, "Tenant Id must be a GUID.");
        }

        if (mpnId is not null && !mpnId.All(char.IsAsciiDigit))
        {
            return PartnerCenterErrors.Fail(400, 2000, "MPN Id must be numeric.");
        }

        lock (state.Gate)
        {
            ResellerRecord? reseller = state.Resellers.Values.FirstOrDefault(r =>
                (mpnId is not null && r.MpnId == mpnId) || (tenantId is not null && string.Equals(r.TenantId, tenantId, StringComparison.OrdinalIgnoreCase)));
            if (reseller is null)
            {
                return PartnerCenterErrors.Fail(400, 2200, $"Requested MPN Id {mpnId ?? tenantId} is either invalid or does not exist in Partner Center.",
                    "https://partner.microsoft.com/resources/detail/migrate-pmc-pc-mpa-guide-pptx");
            }

            return reseller.MpaSigned
                ? TypedResults.Json(new AgreementStatus(true), PartnerCenterJson.Default.AgreementStatus)
                : PartnerCenterErrors.Fail(400, 2203, $"MPN Id {reseller.MpnId} has not signed Microsoft Partner Agreement (MPA) for the CSP region where the order is being placed. Please advise your reseller to sign MPA to continue with the order.",
                    "https://learn.microsoft.com/partner-center/mpa-indirect-provider-faq");
        }
    }

    /// <summary>[K:get-partner-by-mpn-id]: the provider's own profile without mpnId; 404/3000 for an unknown PartnerID.</summary>
    private static IResult MpnProfile(string? mpnId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            string? name = mpnId is null || mpnId == state.Options.ProviderMpnId
                ? "Local indirect provider"
                : state.Resellers.Values.FirstOrDefault(r => r.MpnId == mpnId)?.Name;
            return name is null
                ? PartnerCenterErrors.Fail(404, 3000, $"Partner Organization with partner_id {mpnId} could not be found")
                : TypedResults.Json(new MpnProfile(name, mpnId ?? state.Options.ProviderMpnId, "MpnProfile", new ResourceAttributes("MpnProfile")),
                    PartnerCenterJson.Default.MpnProfile);
        }
    }
}
