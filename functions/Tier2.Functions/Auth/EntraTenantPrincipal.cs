using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Auth;

/// <summary>
/// Who an Entra ID token's holder is to Tier2, from the tenant that issued it (the app registration is multi-tenant):
/// <list type="bullet">
/// <item>the provider's tenant (<see cref="AuthOptions.ResolvedProviderTenantId"/>): its app roles as assigned there;</item>
/// <item>the Partner Center tenant of a linked reseller: that reseller (<see cref="Roles.ResellerIdClaim"/>, the one claim
/// the rest of the app reads through <see cref="Roles.ResellerId"/>); its app role says whether the holder is its admin;</item>
/// <item>any other tenant: no reseller, so every admin policy answers 403.</item>
/// </list>
/// A <c>reseller_id</c> claim in the token itself is never believed, and <c>provider-admin</c> counts only from the
/// provider's tenant (a reseller's own administrators assign the app's roles in their tenant). Only a tenant Partner
/// Center confirmed names a reseller: the one a reseller typed on the invite page is not proof that it holds it.
/// Development tokens do not come here: they name their reseller themselves, as before.
/// </summary>
public static class EntraTenantPrincipal
{
    public const string TenantClaim = "tid";

    /// <summary>
    /// Accepts an issuer of Entra ID's form for the token's own tenant (<c>https://{authority host}/{tid}/v2.0</c>, or
    /// v1's <c>https://sts.windows.net/{tid}/</c>): the multi-tenant issuer check; which tenants may do what is decided after.
    /// </summary>
    public static string ValidateIssuer(string issuer, SecurityToken token, Uri authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var tid = token is JsonWebToken jwt && jwt.TryGetPayloadValue<string>(TenantClaim, out var value) && Guid.TryParse(value, out var tenant) ? tenant.ToString("D") : null;
        if (tid is not null
            && (string.Equals(issuer, $"{authority.Scheme}://{authority.Authority}/{tid}/v2.0", StringComparison.OrdinalIgnoreCase)
                || string.Equals(issuer, $"https://sts.windows.net/{tid}/", StringComparison.OrdinalIgnoreCase)))
        {
            return issuer;
        }

        throw new SecurityTokenInvalidIssuerException($"The issuer '{issuer}' is not Entra ID's for the token's tenant.");
    }

    /// <summary>Replaces the validated principal with Tier2's view of it (JwtBearer's <c>OnTokenValidated</c>).</summary>
    public static async Task MapAsync(TokenValidatedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        var auth = context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value;
        var tid = Guid.TryParse(identity.FindFirst(TenantClaim)?.Value, out var tenant) ? tenant : (Guid?)null;
        var fromProvider = tid is not null && tid == auth.ResolvedProviderTenantId;
        var claims = identity.Claims
            .Where(c => c.Type != Roles.ResellerIdClaim)
            .Where(c => fromProvider || !(c.Type == Roles.RoleClaim && c.Value == Roles.ProviderAdmin))
            .ToList();
        if (!fromProvider && tid is { } resellerTenant)
        {
            var resellers = context.HttpContext.RequestServices.GetRequiredService<ResellerStore>();
            if (await resellers.FindIdByTenantAsync(resellerTenant, context.HttpContext.RequestAborted) is { } resellerId)
            {
                claims.Add(new Claim(Roles.ResellerIdClaim, resellerId));
            }
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
    }
}
