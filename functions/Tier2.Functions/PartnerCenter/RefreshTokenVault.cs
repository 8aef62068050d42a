using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.DataProtection;

namespace Tier2.Functions.PartnerCenter;

/// <summary>Where the refresh token itself is kept; the connection row holds what <see cref="PutAsync"/> returned.</summary>
public interface IRefreshTokenVault
{
    /// <summary>Keeps <paramref name="refreshToken"/>; returns the reference to read it back with.</summary>
    Task<string> PutAsync(string refreshToken, CancellationToken cancellationToken);

    Task<string> GetAsync(string reference, CancellationToken cancellationToken);
}

/// <summary>
/// Locally (no <c>PartnerCenter__KeyVaultUri</c>): the token is encrypted with the app's Data Protection key ring and
/// the ciphertext is the reference, stored in the connection row.
/// </summary>
public sealed class DataProtectionRefreshTokenVault(IDataProtectionProvider provider) : IRefreshTokenVault
{
    private readonly IDataProtector _protector = provider.CreateProtector("Tier2.PartnerCenter.RefreshToken.v1");

    public Task<string> PutAsync(string refreshToken, CancellationToken cancellationToken) => Task.FromResult(_protector.Protect(refreshToken));

    public Task<string> GetAsync(string reference, CancellationToken cancellationToken) => Task.FromResult(_protector.Unprotect(reference));
}

/// <summary>
/// In Azure: a Key Vault secret (<c>PartnerCenter__RefreshTokenSecretName</c>); each renewal adds a version, and the
/// reference is that version, so two instances renewing at once never read each other's half-written state. The
/// app's identity needs "Key Vault Secrets Officer" (get, set) on the vault.
/// </summary>
public sealed class KeyVaultRefreshTokenVault(SecretClient secrets, string secretName) : IRefreshTokenVault
{
    public async Task<string> PutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var secret = new KeyVaultSecret(secretName, refreshToken);
        secret.Properties.ContentType = "application/vnd.tier2.partner-center-refresh-token";
        secret.Properties.ExpiresOn = DateTimeOffset.UtcNow + PartnerCenterConnection.Lifetime;
        var stored = await secrets.SetSecretAsync(secret, cancellationToken);
        return stored.Value.Properties.Version;
    }

    public async Task<string> GetAsync(string reference, CancellationToken cancellationToken) =>
        (await secrets.GetSecretAsync(secretName, reference, cancellationToken)).Value.Value;
}
