using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tier2.LocalPartnerCenter;

/// <summary>
/// The local Partner Center's own signing chain, made the first time it is needed (so a test that never sends an event
/// pays nothing): a root CA, and a signing certificate it issued whose subject names
/// <see cref="LocalPartnerCenterOptions.WebhookSigningOrganization"/>. Partner Center signs each event with RSA-SHA256
/// over the body and names where its certificate is (<c>X-MS-Certificate-Url</c>) [K:partner-center-webhooks]; here the
/// certificate is served by this server (<see cref="CertificatePath"/>) and the root by its admin API
/// (<see cref="RootPath"/>), for a receiver to trust in place of Microsoft's root.
/// </summary>
internal sealed class WebhookSigning(LocalPartnerCenterOptions options) : IDisposable
{
    /// <summary>Where the signing certificate is served (DER, as Partner Center's .cer is).</summary>
    public const string CertificatePath = "/certificates/webhook-signing.cer";

    /// <summary>Where the root is served (PEM), for <c>PartnerCenter__Events__TrustedRootCertificates</c>.</summary>
    public const string RootPath = "/_local/webhook-root.pem";

    private readonly Lazy<Chain> _chain = new(() => Chain.Create(options.WebhookSigningOrganization), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The root CA's certificate, PEM.</summary>
    public string RootPem => _chain.Value.Root.ExportCertificatePem();

    /// <summary>The signing certificate, DER.</summary>
    public byte[] CertificateDer => _chain.Value.Signing.Export(X509ContentType.Cert);

    /// <summary>The signature of <paramref name="body"/>, base64 (the <c>Authorization: Signature</c> value).</summary>
    public string Sign(ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(_chain.Value.Key.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public void Dispose()
    {
        if (_chain.IsValueCreated)
        {
            _chain.Value.Dispose();
        }
    }

    private sealed record Chain(X509Certificate2 Root, X509Certificate2 Signing, RSA Key) : IDisposable
    {
        public static Chain Create(string organization)
        {
            using RSA rootKey = RSA.Create(2048);
            CertificateRequest rootRequest = new($"CN=Tier2 Local Partner Center Root, O={organization}", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
            using X509Certificate2 rootWithKey = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
            X509Certificate2 root = X509CertificateLoader.LoadCertificate(rootWithKey.Export(X509ContentType.Cert));

            RSA key = RSA.Create(2048);
            CertificateRequest request = new($"CN=local-partner-center-webhooks, O={organization}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(rootWithKey, true, false));
            X509Certificate2 signing = request.Create(rootWithKey, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1), RandomNumberGenerator.GetBytes(12));
            return new Chain(root, signing, key);
        }

        public void Dispose()
        {
            Root.Dispose();
            Signing.Dispose();
            Key.Dispose();
        }
    }
}
