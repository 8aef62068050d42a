using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Security;

/// <summary>Settings <c>DataProtection__*</c>.</summary>
public sealed class DataProtectionSettings
{
    public const string Section = "DataProtection";

    /// <summary>Base64 256-bit key that encrypts the key ring at rest; optional locally, required in Azure.</summary>
    public string? KeyEncryptionKey { get; set; }

    public byte[]? KeyBytes() => string.IsNullOrWhiteSpace(KeyEncryptionKey) ? null : Convert.FromBase64String(KeyEncryptionKey);
}

public sealed class DataProtectionSettingsValidator : IValidateOptions<DataProtectionSettings>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionSettings options)
    {
        if (string.IsNullOrWhiteSpace(options.KeyEncryptionKey))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            return options.KeyBytes()!.Length == 32
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("Setting 'DataProtection__KeyEncryptionKey' must be a base64 256-bit (32-byte) key.");
        }
        catch (FormatException)
        {
            return ValidateOptionsResult.Fail("Setting 'DataProtection__KeyEncryptionKey' must be a base64 256-bit (32-byte) key.");
        }
    }
}

public static class DataProtectionSetup
{
    public const string ContainerName = "dataprotection";

    public static IServiceCollection AddTier2DataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataProtectionSettings>().Bind(configuration.GetSection(DataProtectionSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataProtectionSettings>, DataProtectionSettingsValidator>();
        services.AddDataProtection().SetApplicationName("Tier2");
        services.AddOptions<KeyManagementOptions>().Configure<BlobServiceClient, StorageNames, IOptions<DataProtectionSettings>>((options, blobs, names, settings) =>
        {
            options.XmlRepository = new BlobXmlRepository(blobs.GetBlobContainerClient(names.Queue(ContainerName)));
            if (settings.Value.KeyBytes() is { } key)
            {
                options.XmlEncryptor = new AesGcmXmlEncryptor(key);
            }
        });
        return services;
    }
}
