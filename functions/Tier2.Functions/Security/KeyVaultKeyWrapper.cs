using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tier2.Functions.Security;

/// <summary>
/// Wraps and unwraps data keys with an RSA key in Azure Key Vault (REST <c>wrapkey</c>/<c>unwrapkey</c>,
/// RSA-OAEP-256), so the Data Protection key ring is encrypted at rest by a key that never leaves the vault.
/// Written on Azure.Core because the Key Vault keys SDK is not available to this build.
/// </summary>
public sealed class KeyVaultKeyWrapper
{
    public const string ApiVersion = "7.4";
    public const string Algorithm = "RSA-OAEP-256";
    public const string Scope = "https://vault.azure.net/.default";

    private readonly HttpPipeline _pipeline;

    public KeyVaultKeyWrapper(Uri keyId, TokenCredential credential, ClientOptions? options = null)
    {
        KeyId = keyId;
        options ??= new WrapperClientOptions();
        _pipeline = HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(credential, Scope));
    }

    /// <summary>The key (optionally versioned) that wraps new data keys.</summary>
    public Uri KeyId { get; }

    /// <summary>Wraps <paramref name="dataKey"/>; returns the versioned key id that did it and the wrapped bytes.</summary>
    public (string Kid, byte[] Wrapped) Wrap(byte[] dataKey)
    {
        var result = Send(new Uri(KeyId.AbsoluteUri.TrimEnd('/') + "/wrapkey?api-version=" + ApiVersion), dataKey);
        return (result.Kid ?? KeyId.AbsoluteUri, Base64Url.DecodeFromChars(result.Value));
    }

    public byte[] Unwrap(string kid, byte[] wrapped)
    {
        if (!Uri.TryCreate(kid, UriKind.Absolute, out var kidUri) || !string.Equals(kidUri.Host, KeyId.Host, StringComparison.OrdinalIgnoreCase))
        {
            // Never send a token to a host other than the configured vault.
            throw new InvalidOperationException($"The wrapped key names a key outside the configured vault ({KeyId.Host}).");
        }

        var result = Send(new Uri(kidUri.AbsoluteUri.TrimEnd('/') + "/unwrapkey?api-version=" + ApiVersion), wrapped);
        return Base64Url.DecodeFromChars(result.Value);
    }

    private KeyOperationResult Send(Uri uri, byte[] value)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(uri);
        request.Headers.Add("Content-Type", "application/json");
        request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new KeyOperationRequest(Algorithm, Base64Url.EncodeToString(value)), KeyVaultJsonContext.Default.KeyOperationRequest));
        _pipeline.Send(message, CancellationToken.None);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw new InvalidOperationException($"Key Vault answered {response.Status} to {uri.AbsolutePath.Split('/')[^1]} with key {KeyId}: {response.ReasonPhrase}");
        }

        return JsonSerializer.Deserialize(response.Content.ToMemory().Span, KeyVaultJsonContext.Default.KeyOperationResult)
            ?? throw new InvalidOperationException("Key Vault answered an empty body.");
    }

    private sealed class WrapperClientOptions : ClientOptions;
}

public sealed record KeyOperationRequest([property: JsonPropertyName("alg")] string Alg, [property: JsonPropertyName("value")] string Value);

public sealed record KeyOperationResult([property: JsonPropertyName("kid")] string? Kid, [property: JsonPropertyName("value")] string Value);

[JsonSerializable(typeof(KeyOperationRequest))]
[JsonSerializable(typeof(KeyOperationResult))]
internal sealed partial class KeyVaultJsonContext : JsonSerializerContext;
