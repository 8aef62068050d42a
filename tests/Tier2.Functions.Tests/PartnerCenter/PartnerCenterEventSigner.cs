using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Tier2.Functions.PartnerCenter.Events;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>
/// Signs events as Partner Center does, with a certificate chain made for the test (a root CA and a signing certificate
/// it issued, and a look-alike chain from a root the app does not trust), and serves the signing certificates from a
/// small listener on 127.0.0.1: the host the test app's <c>PartnerCenter__Events__CertificateHost</c> allows.
/// </summary>
public sealed class PartnerCenterEventSigner : IAsyncDisposable
{
    public const string Organization = "Tier2 Test Signing";

    private readonly WebApplication _listener;
    private readonly Dictionary<string, byte[]> _served;

    private PartnerCenterEventSigner(WebApplication listener, Dictionary<string, byte[]> served, X509Certificate2 root, RSA signingKey, RSA untrustedKey, RSA otherOrganizationKey, Uri baseUrl)
    {
        OtherOrganizationKey = otherOrganizationKey;
        _listener = listener;
        _served = served;
        Root = root;
        SigningKey = signingKey;
        UntrustedKey = untrustedKey;
        BaseUrl = baseUrl;
    }

    public X509Certificate2 Root { get; }

    public RSA SigningKey { get; }

    /// <summary>The key of a certificate with the right organization from a root the app does not trust.</summary>
    public RSA UntrustedKey { get; }

    public Uri BaseUrl { get; }

    /// <summary>The key of a certificate the trusted root issued to another organization than the one the app expects.</summary>
    public RSA OtherOrganizationKey { get; }

    public Uri OtherOrganizationCertificateUrl => new(BaseUrl, "cert/other-organization.cer");

    /// <summary>Where the trusted signing certificate is served.</summary>
    public Uri CertificateUrl => new(BaseUrl, "cert/signing.cer");

    public Uri UntrustedCertificateUrl => new(BaseUrl, "cert/untrusted.cer");

    public static async Task<PartnerCenterEventSigner> StartAsync()
    {
        using var rootKey = RSA.Create(2048);
        var root = CreateRoot("CN=Tier2 Test Root, O=" + Organization, rootKey);
        var signingKey = RSA.Create(2048);
        using var signing = Issue(root, rootKey, signingKey);
        using var otherRootKey = RSA.Create(2048);
        using var otherRoot = CreateRoot("CN=Tier2 Test Root, O=" + Organization, otherRootKey);
        var untrustedKey = RSA.Create(2048);
        using var untrusted = Issue(otherRoot, otherRootKey, untrustedKey);
        var otherOrganizationKey = RSA.Create(2048);
        using var otherOrganization = Issue(root, rootKey, otherOrganizationKey, "Contoso Impostors");
        var served = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["signing.cer"] = signing.Export(X509ContentType.Cert),
            ["untrusted.cer"] = Encoding.ASCII.GetBytes(untrusted.ExportCertificatePem()),
            ["other-organization.cer"] = otherOrganization.Export(X509ContentType.Cert),
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var listener = builder.Build();
        listener.MapGet("/cert/{name}", (string name) => served.TryGetValue(name, out var bytes) ? Results.Bytes(bytes, "application/pkix-cert") : Results.NotFound());
        await listener.StartAsync();
        var address = listener.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new PartnerCenterEventSigner(listener, served, root, signingKey, untrustedKey, otherOrganizationKey, new Uri(address + "/"));
    }

    /// <summary>The app's settings that trust this signer (and only it).</summary>
    public void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["PartnerCenter:Events:CertificateHost"] = "127.0.0.1";
        settings["PartnerCenter:Events:CertificateOrganization"] = Organization;
        settings["PartnerCenter:Events:TrustedRootCertificates"] = Root.ExportCertificatePem();
        settings["PartnerCenter:Events:CheckRevocation"] = "false";
    }

    /// <summary>An event's exact body bytes.</summary>
    public static byte[] Body(string eventName, string resourceUri, string resourceName) =>
        Encoding.UTF8.GetBytes(
            $"{{\"EventName\":\"{eventName}\",\"ResourceUri\":\"{resourceUri}\",\"ResourceName\":\"{resourceName}\",\"AuditUri\":null,\"ResourceChangeUtcDate\":\"{DateTimeOffset.UtcNow.AddHours(-30):O}\"}}");

    public static byte[] SubscriptionUpdated(string customerId, string subscriptionId) =>
        Body(PartnerCenterEvent.SubscriptionUpdated, $"https://api.partnercenter.microsoft.com/webhooks/v1/customers/{customerId}/subscriptions/{subscriptionId}", "subscription");

    public string Sign(byte[] body, RSA? key = null) =>
        Convert.ToBase64String((key ?? SigningKey).SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>The POST Partner Center would send: <paramref name="signed"/> is what the signature covers, <paramref name="sent"/> the body sent.</summary>
    public HttpRequestMessage Request(byte[] sent, string? signature, Uri? certificateUrl = null, string algorithm = "rsa-sha256")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/partner-center/events") { Content = new ByteArrayContent(sent) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Signature " + signature);
        }

        request.Headers.Add("X-MS-Certificate-Url", (certificateUrl ?? CertificateUrl).AbsoluteUri);
        request.Headers.Add("X-MS-Signature-Algorithm", algorithm);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        Root.Dispose();
        SigningKey.Dispose();
        UntrustedKey.Dispose();
        OtherOrganizationKey.Dispose();
        _served.Clear();
    }

    private static X509Certificate2 CreateRoot(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadCertificate(created.Export(X509ContentType.Cert));
    }

    private static X509Certificate2 Issue(X509Certificate2 root, RSA rootKey, RSA key, string organization = Organization)
    {
        var request = new CertificateRequest("CN=pcnotifications-dispatch.test, O=" + organization, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var issuer = root.CopyWithPrivateKey(rootKey);
        return request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMonths(6), RandomNumberGenerator.GetBytes(12));
    }
}
