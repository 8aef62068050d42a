using System.Security.Claims;

namespace Tier2.Functions.Auth;

/// <summary>The app roles (Entra ID app roles arrive in the <c>roles</c> claim).</summary>
public static class Roles
{
    public const string ProviderAdmin = "provider-admin";
    public const string ResellerAdmin = "reseller-admin";
    public const string RoleClaim = "roles";
    /// <summary>The reseller a reseller admin acts for: in a development token itself; for Entra ID, set from the token's tenant (<see cref="EntraTenantPrincipal"/>).</summary>
    public const string ResellerIdClaim = "reseller_id";

    /// <summary>Policy: the provider's administrators only.</summary>
    public const string ProviderAdminPolicy = "ProviderAdmin";

    /// <summary>Policy (the fallback): a provider admin, or a reseller admin that names its reseller.</summary>
    public const string AnyAdminPolicy = "AnyAdmin";

    public static bool IsProviderAdmin(this ClaimsPrincipal user) => user.IsInRole(ProviderAdmin);

    /// <summary>The reseller a reseller-admin acts for; null for a provider admin.</summary>
    public static string? ResellerId(this ClaimsPrincipal user) =>
        user.IsInRole(ProviderAdmin) ? null : user.FindFirst(ResellerIdClaim)?.Value;

    /// <summary>Who did it, for the audit log.</summary>
    public static string Actor(this ClaimsPrincipal user)
    {
        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        var role = user.IsInRole(ProviderAdmin) ? ProviderAdmin : ResellerAdmin;
        return $"{role}:{subject}";
    }
}
