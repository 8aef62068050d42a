using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Tier2.Functions.Security;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Security;

/// <summary>Envelope encryption of the Data Protection key ring against a local Key Vault fake that holds a real RSA key.</summary>
public sealed class KeyVaultDataProtectionTests : IAsyncLifetime
{
    private readonly RSA _vaultKey = RSA.Create(2048);
    private readonly ConcurrentQueue<(string Path, string? Authorization)> _requests = new();
    private WebApplication _vault = null!;
    private System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate = null!;
    private Uri _keyId = null!;

    public async Task InitializeAsync()
    {
        _certificate = TestCertificates.CreateLocalhost();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_certificate)));
        _vault = builder.Build();
        _vault.MapPost("/keys/dp/{version}/{operation}", async (string version, string operation, HttpContext http) =>
        {
            _requests.Enqueue((http.Request.Path, http.Request.Headers.Authorization.ToString()));
            var body = (await JsonNode.ParseAsync(http.Request.Body))!;
            if ((string?)body["alg"] != "RSA-OAEP-256")
            {
                return Results.BadRequest();
            }

            var input = Base64Url.DecodeFromChars((string)body["value"]!);
            var output = operation == "wrapkey"
                ? _vaultKey.Encrypt(input, RSAEncryptionPadding.OaepSHA256)
                : _vaultKey.Decrypt(input, RSAEncryptionPadding.OaepSHA256);
            var kid = $"{http.Request.Scheme}://{http.Request.Host}/keys/dp/v1";
            return Results.Json(new JsonObject { ["kid"] = kid, ["value"] = Base64Url.EncodeToString(output) });
        });
        await _vault.StartAsync();
        var address = _vault.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _keyId = new Uri(address.Replace("[::1]", "localhost", StringComparison.Ordinal).Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/keys/dp/v1");
    }

    public async Task DisposeAsync()
    {
        await _vault.DisposeAsync();
        _certificate.Dispose();
        _vaultKey.Dispose();
    }

    private KeyVaultKeyWrapper Wrapper()
    {
        var thumbprint = _certificate.Thumbprint;
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint };
        var options = new TestClientOptions { Transport = new HttpClientTransport(handler) };
        return new KeyVaultKeyWrapper(_keyId, new StaticCredential(), options);
    }

    [Fact]
    public void A_key_element_round_trips_and_is_unreadable_at_rest()
    {
        var wrapper = Wrapper();
        var secret = new XElement("key", new XElement("masterKey", "c2VjcmV0LWtleS1tYXRlcmlhbA=="));
        var services = new ServiceCollection().AddSingleton(wrapper).BuildServiceProvider();

        var encrypted = new KeyVaultXmlEncryptor(wrapper).Encrypt(secret);
        var decrypted = new KeyVaultXmlDecryptor(services).Decrypt(encrypted.EncryptedElement);

        Assert.DoesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA==", encrypted.EncryptedElement.ToString(), StringComparison.Ordinal);
        Assert.Equal(secret.ToString(), decrypted.ToString());
        Assert.Equal(typeof(KeyVaultXmlDecryptor), encrypted.DecryptorType);
        Assert.Contains(_requests, r => r.Path.EndsWith("/wrapkey", StringComparison.Ordinal) && r.Authorization == "Bearer vault-token");
        Assert.Contains(_requests, r => r.Path.EndsWith("/unwrapkey", StringComparison.Ordinal));
    }

    [Fact]
    public void A_wrapped_key_naming_another_host_is_refused_without_sending_a_token_there()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Wrapper().Unwrap("https://evil.example/keys/dp/v1", [1, 2, 3]));
        Assert.Contains("outside the configured vault", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_id_that_is_not_a_key_vault_key_uri_is_refused_at_start_up()
    {
        var result = new DataProtectionSettingsValidator().Validate(null, new DataProtectionSettings { KeyVaultKeyId = "https://myvault.vault.azure.net/secrets/x" });
        Assert.True(result.Failed);
        Assert.Contains("DataProtection__KeyVaultKeyId", result.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class TestClientOptions : ClientOptions;

    private sealed class StaticCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            requestContext.Scopes.SequenceEqual([KeyVaultKeyWrapper.Scope]) ? new AccessToken("vault-token", DateTimeOffset.UtcNow.AddHours(1)) : throw new InvalidOperationException("wrong scope");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
    }
}
