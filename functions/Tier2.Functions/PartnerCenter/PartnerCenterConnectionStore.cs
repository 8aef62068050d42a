using Azure;
using Azure.Data.Tables;
using Tier2.Functions.Storage;

namespace Tier2.Functions.PartnerCenter;

/// <summary>The provider's Partner Center connection: who connected it, and when the refresh token was last renewed.</summary>
public sealed record PartnerCenterConnection(
    string Account,
    string ConnectedBy,
    DateTimeOffset ConnectedAt,
    DateTimeOffset RenewedAt,
    bool Mfa,
    string? LapseWarning,
    ETag ETag,
    string TokenReference)
{
    /// <summary>Entra ID's refresh tokens lapse after 90 days unused; every redemption gives a new one with 90 fresh days.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    public DateTimeOffset LapsesAt => RenewedAt + Lifetime;

    /// <summary>Kept out of ToString: the reference is ciphertext (or a vault version), still nothing for a log.</summary>
    public override string ToString() => $"PartnerCenterConnection {{ Account = {Account}, RenewedAt = {RenewedAt:O} }}";
}

/// <summary>
/// Table <c>PartnerCenter</c>: row <c>connection/current</c> holds the connection and a reference to the refresh
/// token (in the vault <see cref="IRefreshTokenVault"/> chose: Key Vault's secret version, or the Data Protection
/// ciphertext itself). Renewals are ETag-guarded on that row, so the token vault itself needs no conditional write.
/// Rows <c>connect/{sha256(state)}</c> are the connect flow's pending states (single use, short-lived).
/// </summary>
public sealed class PartnerCenterConnectionStore(TableServiceClient tables, StorageNames names, IRefreshTokenVault vault)
{
    public const string TableName = "PartnerCenter";
    private const string ConnectionPartition = "connection";
    private const string ConnectionRow = "current";
    private const string ConnectPartition = "connect";

    private TableClient Table => tables.GetTableClient(names.Table(TableName));

    public async Task<PartnerCenterConnection?> GetAsync(CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(ConnectionPartition, ConnectionRow, cancellationToken);
        return entity is null ? null : new PartnerCenterConnection(
            entity.GetString("Account") ?? string.Empty,
            entity.GetString("ConnectedBy") ?? string.Empty,
            entity.GetDateTimeOffset("ConnectedAt") ?? default,
            entity.GetDateTimeOffset("RenewedAt") ?? default,
            entity.GetBoolean("Mfa") ?? false,
            entity.GetString("LapseWarning"),
            entity.ETag,
            entity.GetString("TokenReference") ?? string.Empty);
    }

    public Task<string> ReadRefreshTokenAsync(PartnerCenterConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return vault.GetAsync(connection.TokenReference, cancellationToken);
    }

    /// <summary>A new connection (the connect flow's end) replaces whatever was there.</summary>
    public async Task<PartnerCenterConnection> SaveConnectedAsync(string account, string connectedBy, bool mfa, string refreshToken, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reference = await vault.PutAsync(refreshToken, cancellationToken);
        var entity = new TableEntity(ConnectionPartition, ConnectionRow)
        {
            ["Account"] = account,
            ["ConnectedBy"] = connectedBy,
            ["ConnectedAt"] = now,
            ["RenewedAt"] = now,
            ["Mfa"] = mfa,
            ["TokenReference"] = reference,
        };
        var response = await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        return new PartnerCenterConnection(account, connectedBy, now, now, mfa, null, response.Headers.ETag ?? default, reference);
    }

    /// <summary>
    /// Stores the refresh token a redemption of <paramref name="read"/>'s token returned, if nobody renewed since it was
    /// read (ETag). False when another instance won the race: its token is newer and stays; the loser's own token still
    /// works (Entra ID does not revoke a refresh token when it issues the next), so the loser just goes on.
    /// </summary>
    public async Task<bool> TryRenewAsync(PartnerCenterConnection read, string refreshToken, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        var reference = await vault.PutAsync(refreshToken, cancellationToken);
        var entity = new TableEntity(ConnectionPartition, ConnectionRow)
        {
            ["RenewedAt"] = now,
            ["TokenReference"] = reference,
            ["LapseWarning"] = null,
        };
        try
        {
            await Table.UpdateEntityAsync(entity, read.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsNotFound())
        {
            return false;
        }
    }

    /// <summary>Records the lapse warning the connection status shows (the timer's finding), unless the row moved on.</summary>
    public async Task RecordWarningAsync(PartnerCenterConnection read, string? warning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            await Table.UpdateEntityAsync(new TableEntity(ConnectionPartition, ConnectionRow) { ["LapseWarning"] = warning }, read.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsNotFound())
        {
            // Renewed or reconnected meanwhile: the warning no longer holds.
        }
    }

    /// <summary>Keeps a connect attempt: the state's hash as key, the caller, the PKCE verifier (encrypted) and its expiry.</summary>
    public Task SaveConnectStateAsync(string stateHash, string callerId, string protectedVerifier, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Table.AddEntityAsync(
            new TableEntity(ConnectPartition, stateHash) { ["CallerId"] = callerId, ["Verifier"] = protectedVerifier, ["ExpiresAt"] = expiresAt },
            cancellationToken);

    /// <summary>Takes a connect attempt once: the row is deleted (ETag-guarded) before it is returned, so a state replays never.</summary>
    public async Task<(string CallerId, string ProtectedVerifier, DateTimeOffset ExpiresAt)?> TakeConnectStateAsync(string stateHash, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(ConnectPartition, stateHash, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        try
        {
            await Table.DeleteEntityAsync(entity, entity.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsNotFound())
        {
            return null;
        }

        return (entity.GetString("CallerId") ?? string.Empty, entity.GetString("Verifier") ?? string.Empty, entity.GetDateTimeOffset("ExpiresAt") ?? default);
    }
}
