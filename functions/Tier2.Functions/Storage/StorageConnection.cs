using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Tier2.Functions.Storage;

/// <summary>
/// The storage account, named as the Functions host names it: <c>AzureWebJobsStorage</c> holds a connection
/// string, or <c>AzureWebJobsStorage__accountName</c> (optionally <c>__credential</c>=managedidentity and
/// <c>__clientId</c>, or explicit <c>__tableServiceUri</c>/<c>__queueServiceUri</c>/<c>__blobServiceUri</c>)
/// selects identity-based access through Entra ID.
/// </summary>
public sealed partial class StorageConnection
{
    public const string SettingName = "AzureWebJobsStorage";

    private StorageConnection(string? connectionString, Uri? tables, Uri? queues, Uri? blobs, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        TableServiceUri = tables;
        QueueServiceUri = queues;
        BlobServiceUri = blobs;
        Credential = credential;
    }

    public string? ConnectionString { get; }

    public Uri? TableServiceUri { get; }

    public Uri? QueueServiceUri { get; }

    public Uri? BlobServiceUri { get; }

    public TokenCredential? Credential { get; }

    /// <summary>Reads and validates the setting; the exception names the setting that is missing or wrong.</summary>
    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        var connectionString = configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            if (!connectionString.Equals("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)
                && !connectionString.Contains("AccountName=", StringComparison.OrdinalIgnoreCase)
                && !connectionString.Contains("SharedAccessSignature=", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Setting '{SettingName}' is not a storage connection string (expected 'UseDevelopmentStorage=true' or 'DefaultEndpointsProtocol=...;AccountName=...').");
            }

            return new StorageConnection(connectionString, null, null, null, null);
        }

        var section = configuration.GetSection(SettingName);
        var accountName = section["accountName"];
        Uri? Explicit(string key)
        {
            var value = section[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
                ? uri
                : throw new InvalidOperationException($"Setting '{SettingName}__{key}' must be an absolute https URI.");
        }

        var tables = Explicit("tableServiceUri");
        var queues = Explicit("queueServiceUri");
        var blobs = Explicit("blobServiceUri");
        if (string.IsNullOrWhiteSpace(accountName) && (tables is null || queues is null || blobs is null))
        {
            throw new InvalidOperationException($"Setting '{SettingName}' is missing: set a connection string, or '{SettingName}__accountName' for identity-based access.");
        }

        if (!string.IsNullOrWhiteSpace(accountName) && !AccountName().IsMatch(accountName))
        {
            throw new InvalidOperationException($"Setting '{SettingName}__accountName' must be 3 to 24 lowercase letters and digits.");
        }

        var credential = Security.ConnectionCredential.For(section);

        return new StorageConnection(
            null,
            tables ?? new Uri($"https://{accountName}.table.core.windows.net"),
            queues ?? new Uri($"https://{accountName}.queue.core.windows.net"),
            blobs ?? new Uri($"https://{accountName}.blob.core.windows.net"),
            credential);
    }

    public TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
        ConnectionString is not null ? new TableServiceClient(ConnectionString, options) : new TableServiceClient(TableServiceUri!, Credential!, options);

    /// <summary>Queue messages are plain text (host.json <c>messageEncoding: none</c>), so the host and this app agree.</summary>
    public QueueServiceClient CreateQueueServiceClient(QueueClientOptions? options = null)
    {
        options ??= new QueueClientOptions();
        options.MessageEncoding = QueueMessageEncoding.None;
        return ConnectionString is not null ? new QueueServiceClient(ConnectionString, options) : new QueueServiceClient(QueueServiceUri!, Credential!, options);
    }

    public BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null) =>
        ConnectionString is not null ? new BlobServiceClient(ConnectionString, options) : new BlobServiceClient(BlobServiceUri!, Credential!, options);

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountName();
}
