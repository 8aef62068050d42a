using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Tier2.Functions.Auth;

/// <summary>Mints tokens signed with the development key (the <c>token</c> command and tests). Never used with Entra ID.</summary>
public sealed class DevelopmentTokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    public string Issue(string role, string? resellerId = null, string subject = "developer", TimeSpan? lifetime = null)
    {
        var auth = options.Value;
        if (auth.Mode != AuthMode.Development)
        {
            throw new InvalidOperationException("Tokens can only be minted locally when Auth__Mode is Development; use Entra ID otherwise.");
        }

        if (role is not (Roles.ProviderAdmin or Roles.ResellerAdmin))
        {
            throw new ArgumentException($"Role must be '{Roles.ProviderAdmin}' or '{Roles.ResellerAdmin}'.", nameof(role));
        }

        if (role == Roles.ResellerAdmin && string.IsNullOrWhiteSpace(resellerId))
        {
            throw new ArgumentException("A reseller-admin token needs --reseller-id.", nameof(resellerId));
        }

        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["name"] = subject,
            [Roles.RoleClaim] = new[] { role },
        };
        if (resellerId is not null)
        {
            claims[Roles.ResellerIdClaim] = resellerId;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(8)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(auth.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
