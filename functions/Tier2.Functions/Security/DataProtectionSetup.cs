using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Tier2.Connections;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Security;

/// <summary>Settings <c>DataProtection__*</c>.</summary>
public sealed class DataProtectionSettings
{
    public const string Section = "DataProtection";

    /// <summary>
    /// The Key Vault key that wraps the key ring at rest, e.g. https://myvault.vault.azure.net/keys/dataprotection
    /// (optionally with a version). Empty locally: the keys then sit unencrypted in the development storage.
    /// </summary>
    public string? KeyVaultKeyId { get; set; }
}

public sealed class DataProtectionSettingsValidator : IValidateOptions<DataProtectionSettings>
{
    public ValidateOptionsResult Validate(string? name, DataProtectionSettings options)
    {
        if (string.IsNullOrWhiteSpace(options.KeyVaultKeyId))
        {
            return ValidateOptionsResult.Success;
        }

        if (!Uri.TryCreate(options.KeyVaultKeyId, UriKind.Absolute, out var key))
        {
            return ValidateOptionsResult.Fail("Setting 'DataProtection__KeyVaultKeyId' must be a Key Vault key URI such as https://myvault.vault.azure.net/keys/dataprotection.");
        }

        var segments = key.AbsolutePath.Trim('/').Split('/');
        return key.IsAbsoluteUri && key.Scheme == Uri.UriSchemeHttps && segments.Length is 2 or 3 && segments[0] == "keys"
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Setting 'DataProtection__KeyVaultKeyId' must be a Key Vault key URI such as https://myvault.vault.azure.net/keys/dataprotection.");
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
        var keyId = configuration.GetSection(DataProtectionSettings.Section).Get<DataProtectionSettings>()?.KeyVaultKeyId;
        if (!string.IsNullOrWhiteSpace(keyId) && Uri.TryCreate(keyId, UriKind.Absolute, out var keyUri))
        {
            // The app's identity (DataProtection__credential / __clientId select a user-assigned one) needs wrap/unwrap rights on the key.
            services.AddSingleton(sp => new KeyVaultKeyWrapper(keyUri, sp.GetService<TokenCredential>() ?? ConnectionCredential.For(configuration.GetSection(DataProtectionSettings.Section))));
        }

        services.AddOptions<KeyManagementOptions>().Configure<BlobServiceClient, StorageNames, IServiceProvider>((options, blobs, names, sp) =>
        {
            options.XmlRepository = new BlobXmlRepository(blobs.GetBlobContainerClient(names.Queue(ContainerName)));
            if (sp.GetService<KeyVaultKeyWrapper>() is { } wrapper)
            {
                options.XmlEncryptor = new KeyVaultXmlEncryptor(wrapper);
            }
        });
        return services;
    }
}
