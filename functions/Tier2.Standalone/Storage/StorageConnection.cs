using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Storage;

/// <summary>
/// The <c>AzureWebJobsStorage</c> connection, as the Functions host reads it: a connection string
/// (including <c>UseDevelopmentStorage=true</c> and Azurite's), or identity-based settings
/// (<c>AzureWebJobsStorage__accountName</c> or <c>__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c>,
/// with <c>DefaultAzureCredential</c> and an optional <c>__clientId</c>).
/// </summary>
internal sealed class StorageConnection
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "AzureWebJobsStorage";

    private readonly string? connectionString;
    private readonly Uri? blobUri;
    private readonly Uri? queueUri;
    private readonly Uri? tableUri;
    private readonly Lazy<TokenCredential>? credential;

    private StorageConnection(string connectionString) => this.connectionString = connectionString;

    private StorageConnection(Uri blob, Uri queue, Uri table, string? clientId, string? credentialKind)
    {
        (this.blobUri, this.queueUri, this.tableUri) = (blob, queue, table);
        this.credential = new Lazy<TokenCredential>(() =>
            string.Equals(credentialKind, "managedidentity", StringComparison.OrdinalIgnoreCase)
                ? new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }));
    }

    /// <summary>Reads the connection; a start-up error naming the setting when it is missing or incomplete.</summary>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string why)
    {
        string? value = configuration[SettingName] ?? configuration.GetConnectionString(SettingName);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return new StorageConnection(value);
        }

        IConfigurationSection section = configuration.GetSection(SettingName);
        string? account = section["accountName"];
        Uri? blob = UriSetting(section, "blobServiceUri") ?? ServiceUri(account, "blob");
        Uri? queue = UriSetting(section, "queueServiceUri") ?? ServiceUri(account, "queue");
        Uri? table = UriSetting(section, "tableServiceUri") ?? ServiceUri(account, "table");
        if (blob is null || queue is null || table is null)
        {
            throw new StandaloneStartupException(
                $"Setting '{SettingName}' is not set ({why}): give a connection string, or {SettingName}__accountName " +
                $"(or {SettingName}__blobServiceUri, __queueServiceUri and __tableServiceUri) for an identity-based connection.");
        }

        return new StorageConnection(blob, queue, table, section["clientId"], section["credential"]);
    }

    /// <summary>DTFx's client provider for the Azure Storage orchestration service.</summary>
    public StorageAccountClientProvider CreateDurableTaskProvider() =>
        this.connectionString is not null
            ? new StorageAccountClientProvider(this.connectionString)
            : new StorageAccountClientProvider(this.blobUri!, this.queueUri!, this.tableUri!, this.credential!.Value);

    /// <summary>A blob client (timer status and leases).</summary>
    public BlobServiceClient CreateBlobServiceClient() =>
        this.connectionString is not null
            ? new BlobServiceClient(this.connectionString)
            : new BlobServiceClient(this.blobUri, this.credential!.Value);

    private static Uri? UriSetting(IConfigurationSection section, string key)
    {
        string? text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
            ? uri
            : throw new StandaloneStartupException($"Setting '{SettingName}__{key}' is not an absolute URI.");
    }

    private static Uri? ServiceUri(string? account, string service) =>
        string.IsNullOrWhiteSpace(account) ? null : new Uri($"https://{account}.{service}.core.windows.net");
}
