using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tier2.LocalPartnerCenter;

/// <summary>Who an access token speaks for. App-only tokens have no user; graph.windows.net tokens are issued (Entra
/// would) but refused by the API with 401/900420 [ISS:microsoft/Partner-Center-DotNet-Samples#140].</summary>
internal sealed record AccessGrant(bool AppOnly, string Audience, string TenantId, string? UserPrincipalName, DateTimeOffset ExpiresOn);

/// <summary>An authorization code waiting to be redeemed, with the PKCE challenge and redirect it is bound to.</summary>
internal sealed record AuthorizationCode(string RedirectUri, string? CodeChallenge, DateTimeOffset ExpiresOn);

/// <summary>A refresh token: redeemable until it expires (its own lifetime from issue, as Entra's inactivity expiry) or is revoked.</summary>
internal sealed class RefreshTokenRecord(string userPrincipalName, DateTimeOffset expiresOn)
{
    public string UserPrincipalName { get; } = userPrincipalName;

    public DateTimeOffset ExpiresOn { get; } = expiresOn;

    public bool Revoked { get; set; }
}

/// <summary>The tokens the server issued. Access tokens are JWT-shaped (tests and clients may read their claims: upn, amr
/// with mfa, aud, tid); the server trusts only the ones it holds here, so their signature is decoration.</summary>
internal sealed class TokenStore(LocalPartnerCenterOptions options)
{
    public const string PartnerCenterAudience = "https://api.partnercenter.microsoft.com";
    public const string RetiredGraphAudience = "https://graph.windows.net";

    /// <summary>amr of every App+User token: signed in with MFA (a Microsoft sample refuses tokens without it [FACTS 1.3]).</summary>
    private static readonly string[] MfaMethods = ["pwd", "mfa"];

    private readonly ConcurrentDictionary<string, AccessGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshTokenRecord> _refreshTokens = new(StringComparer.Ordinal);
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>The integration user's object id, also the agreement's <c>userId</c>.</summary>
    public string IntegrationUserObjectId { get; } = Guid.NewGuid().ToString();

    /// <summary>Every access and refresh token issued so far (tests look for them where no secret belongs).</summary>
    public IReadOnlyList<string> Issued() => [.. _accessTokens.Keys, .. _refreshTokens.Keys];

    public AccessGrant? FindAccessToken(string token) => _accessTokens.TryGetValue(token, out AccessGrant? grant) ? grant : null;

    public string IssueCode(string redirectUri, string? codeChallenge)
    {
        string code = RandomToken(48);
        _codes[code] = new AuthorizationCode(redirectUri, codeChallenge, options.TimeProvider.GetUtcNow().AddMinutes(10));
        return code;
    }

    /// <summary>Takes a code out (a code redeems once).</summary>
    public AuthorizationCode? RedeemCode(string code) => _codes.TryRemove(code, out AuthorizationCode? found) ? found : null;

    public RefreshTokenRecord? FindRefreshToken(string token) =>
        _refreshTokens.TryGetValue(token, out RefreshTokenRecord? found) ? found : null;

    /// <summary>A refresh token for <paramref name="userPrincipalName"/> (default: the integration user) of the provider's tenant.</summary>
    public IssuedRefreshToken IssueRefreshToken(string? userPrincipalName = null)
    {
        string token = "0.LOCAL." + RandomToken(96);
        string user = userPrincipalName ?? options.IntegrationUserUpn;
        DateTimeOffset expiresOn = options.TimeProvider.GetUtcNow().Add(options.RefreshTokenLifetime);
        _refreshTokens[token] = new RefreshTokenRecord(user, expiresOn);
        return new IssuedRefreshToken(token, user, expiresOn);
    }

    /// <summary>Revokes one refresh token, or every one (an admin revoking the user's sessions); returns how many.</summary>
    public int Revoke(string? token)
    {
        int revoked = 0;
        foreach ((string key, RefreshTokenRecord record) in _refreshTokens)
        {
            if ((token is null || key == token) && !record.Revoked)
            {
                record.Revoked = true;
                revoked++;
            }
        }

        return revoked;
    }

    public (string Token, DateTimeOffset ExpiresOn) IssueAccessToken(string audience, string? userPrincipalName)
    {
        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        DateTimeOffset expiresOn = now.Add(options.AccessTokenLifetime);
        string token = Jwt(new Dictionary<string, object?>
        {
            ["aud"] = audience,
            ["iss"] = $"https://sts.windows.net/{options.ProviderTenantId}/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = expiresOn.ToUnixTimeSeconds(),
            ["tid"] = options.ProviderTenantId,
            ["appid"] = options.ClientId,
            ["upn"] = userPrincipalName,
            ["unique_name"] = userPrincipalName,
            ["oid"] = userPrincipalName is null ? null : IntegrationUserObjectId,
            ["scp"] = userPrincipalName is null ? null : "user_impersonation",
            ["amr"] = userPrincipalName is null ? null : MfaMethods,
            ["jti"] = Guid.NewGuid().ToString(),
        });
        _accessTokens[token] = new AccessGrant(userPrincipalName is null, audience, options.ProviderTenantId, userPrincipalName, expiresOn);
        return (token, expiresOn);
    }

    public string IssueIdToken()
    {
        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        return Jwt(new Dictionary<string, object?>
        {
            ["aud"] = options.ClientId,
            ["iss"] = $"https://sts.windows.net/{options.ProviderTenantId}/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            ["tid"] = options.ProviderTenantId,
            ["oid"] = IntegrationUserObjectId,
            ["upn"] = options.IntegrationUserUpn,
            ["unique_name"] = options.IntegrationUserUpn,
            ["name"] = "Partner Center integration",
            ["amr"] = MfaMethods,
        });
    }

    private string Jwt(Dictionary<string, object?> claims)
    {
        string header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        using MemoryStream payload = new();
        using (Utf8JsonWriter writer = new(payload))
        {
            writer.WriteStartObject();
            foreach ((string name, object? value) in claims)
            {
                switch (value)
                {
                    case null:
                        break;
                    case string s:
                        writer.WriteString(name, s);
                        break;
                    case long n:
                        writer.WriteNumber(name, n);
                        break;
                    case string[] list:
                        writer.WriteStartArray(name);
                        foreach (string item in list)
                        {
                            writer.WriteStringValue(item);
                        }

                        writer.WriteEndArray();
                        break;
                    default:
                        throw new InvalidOperationException($"Unsupported claim type for {name}.");
                }
            }

            writer.WriteEndObject();
        }

        string body = Base64Url(payload.ToArray());
        string signature = Base64Url(HMACSHA256.HashData(_signingKey, Encoding.ASCII.GetBytes($"{header}.{body}")));
        return $"{header}.{body}.{signature}";
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string RandomToken(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));
}
