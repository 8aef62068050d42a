using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Tier2.Functions.Invites;

/// <summary>
/// Invite link tokens: 32 random bytes, base64url. Only the SHA-256 is stored. To reach the email activity the
/// token travels sealed (Data Protection, time-limited to the invite's expiry), so neither the invite tables
/// nor the orchestration history ever hold a usable token.
/// </summary>
public sealed class InviteTokens(IDataProtectionProvider dataProtection)
{
    private readonly ITimeLimitedDataProtector _sealer = dataProtection.CreateProtector("Tier2.Invites.LinkToken.v1").ToTimeLimitedDataProtector();

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lowercase hex SHA-256 of the token text; the only form that is stored.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>True when the text could be a token (43 base64url characters); anything else is not looked up.</summary>
    public static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public string Seal(string token, DateTimeOffset expiresAt) => _sealer.Protect(token, expiresAt);

    public string Unseal(string sealedToken) => _sealer.Unprotect(sealedToken);
}
