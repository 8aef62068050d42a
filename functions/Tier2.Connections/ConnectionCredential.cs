using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Tier2.Connections;

/// <summary>
/// The Functions convention for identity-based connections (storage, email, Key Vault):
/// <c>{Connection}__credential=managedidentity</c> with an optional <c>{Connection}__clientId</c> picks the
/// (user-assigned) managed identity; without them, <see cref="DefaultAzureCredential"/> (a developer's login locally).
/// No global <c>AZURE_CLIENT_ID</c> is needed.
/// </summary>
public static class ConnectionCredential
{
    /// <summary>The credential the connection's settings name.</summary>
    public static TokenCredential For(IConfigurationSection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var clientId = connection["clientId"];
        return string.Equals(connection["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });
    }
}
