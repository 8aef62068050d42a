using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Tier2.Connections;

/// <summary>
/// The <c>AzureWebJobsStorage</c> connection, read as the Functions host reads it: a connection string
/// (<c>ConnectionStrings:AzureWebJobsStorage</c>, else the setting itself; <c>UseDevelopmentStorage=true</c> and
/// Azurite's included), or identity-based settings: <c>AzureWebJobsStorage__accountName</c>, whose service URIs
/// <c>__blobServiceUri</c>, <c>__queueServiceUri</c> and <c>__tableServiceUri</c> may override (without an account name
/// all three are needed), with the credential <see cref="ConnectionCredential"/> picks.
/// </summary>
public sealed partial class StorageConnection
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "AzureWebJobsStorage";

    private StorageConnection(string? connectionString, Uri? tables, Uri? queues, Uri? blobs, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        TableServiceUri = tables;
        QueueServiceUri = queues;
        BlobServiceUri = blobs;
        Credential = credential;
    }

    /// <summary>The connection string, or null for an identity-based connection.</summary>
    public string? ConnectionString { get; }

    /// <summary>The table service of an identity-based connection.</summary>
    public Uri? TableServiceUri { get; }

    /// <summary>The queue service of an identity-based connection.</summary>
    public Uri? QueueServiceUri { get; }

    /// <summary>The blob service of an identity-based connection.</summary>
    public Uri? BlobServiceUri { get; }

    /// <summary>The credential of an identity-based connection.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>Reads and validates the connection.</summary>
    /// <exception cref="InvalidOperationException">The setting is missing or wrong; the message names it.</exception>
    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString(SettingName) is { Length: > 0 } named ? named : configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageConnection(Validated(connectionString), null, null, null, null);
        }

        var section = configuration.GetSection(SettingName);
        var accountName = section["accountName"];
        var tables = ServiceUri(section, "tableServiceUri");
        var queues = ServiceUri(section, "queueServiceUri");
        var blobs = ServiceUri(section, "blobServiceUri");
        if (string.IsNullOrWhiteSpace(accountName) && (tables is null || queues is null || blobs is null))
        {
            throw new InvalidOperationException(
                $"Setting '{SettingName}' is not set: give a connection string, or '{SettingName}__accountName' (or " +
                $"'{SettingName}__blobServiceUri', '__queueServiceUri' and '__tableServiceUri') for an identity-based connection.");
        }

        if (!string.IsNullOrWhiteSpace(accountName) && !AccountName().IsMatch(accountName))
        {
            throw new InvalidOperationException($"Setting '{SettingName}__accountName' must be 3 to 24 lowercase letters and digits.");
        }

        return new StorageConnection(
            null,
            tables ?? new Uri($"https://{accountName}.table.core.windows.net"),
            queues ?? new Uri($"https://{accountName}.queue.core.windows.net"),
            blobs ?? new Uri($"https://{accountName}.blob.core.windows.net"),
            ConnectionCredential.For(section));
    }

    /// <summary>A table service client on this connection.</summary>
    public TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
        ConnectionString is not null ? new TableServiceClient(ConnectionString, options) : new TableServiceClient(TableServiceUri!, Credential!, options);

    /// <summary>A queue service client whose messages are plain text (host.json <c>messageEncoding: none</c>), as the Functions host's.</summary>
    public QueueServiceClient CreateQueueServiceClient(QueueClientOptions? options = null)
    {
        options ??= new QueueClientOptions();
        options.MessageEncoding = QueueMessageEncoding.None;
        return ConnectionString is not null ? new QueueServiceClient(ConnectionString, options) : new QueueServiceClient(QueueServiceUri!, Credential!, options);
    }

    /// <summary>A blob service client on this connection.</summary>
    public BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null) =>
        ConnectionString is not null ? new BlobServiceClient(ConnectionString, options) : new BlobServiceClient(BlobServiceUri!, Credential!, options);

    // The storage SDK's own parser decides: what it cannot read fails here, at start-up, not at the first request.
    private static string Validated(string connectionString)
    {
        try
        {
            _ = new BlobServiceClient(connectionString);
            return connectionString;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"Setting '{SettingName}' is not a storage connection string (expected 'UseDevelopmentStorage=true' or 'DefaultEndpointsProtocol=...;AccountName=...;...').", e);
        }
    }

    // A bearer token goes only to an https endpoint (the storage SDK refuses anything else).
    private static Uri? ServiceUri(IConfigurationSection section, string key)
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

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountName();
}
