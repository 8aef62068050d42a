using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>
/// Checks that an event is Partner Center's, as Microsoft documents it: the signature (<c>Authorization: Signature
/// &lt;base64&gt;</c>, or <c>x-ms-signature</c>) is RSA-SHA256 (<c>X-MS-Signature-Algorithm: rsa-sha256</c>) over the exact
/// body bytes, made with the certificate at <c>X-MS-Certificate-Url</c>; that URL is on the one configured host (https),
/// and the certificate chains to the trusted root and names the expected organization. A certificate is fetched with a
/// size and time limit and kept, once checked, for <see cref="PartnerCenterEventOptions.CertificateCacheDuration"/>.
/// </summary>
public sealed partial class PartnerCenterEventSignature(IHttpClientFactory http, IOptions<PartnerCenterEventOptions> options, TimeProvider time, ILogger<PartnerCenterEventSignature> logger)
{
    public const string HttpClientName = "partner-center-event-certificates";
    public const string CertificateUrlHeader = "X-MS-Certificate-Url";
    public const string AlgorithmHeader = "X-MS-Signature-Algorithm";
    public const string SignatureHeader = "x-ms-signature";
    public const string Algorithm = "rsa-sha256";
    private const int MaxCachedCertificates = 16;

    private readonly ConcurrentDictionary<string, (X509Certificate2 Certificate, DateTimeOffset Until)> _checked = new(StringComparer.Ordinal);

    /// <summary>Why the request is not a genuine Partner Center event, or null when it is.</summary>
    public async Task<string?> RefusalAsync(IHeaderDictionary headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var authorization = headers.Authorization.ToString();
        var signatureText = authorization.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase) ? authorization["Signature ".Length..].Trim() : headers[SignatureHeader].ToString().Trim();
        if (signatureText.Length == 0)
        {
            return "The event carries no signature (Authorization: Signature <base64>, or x-ms-signature).";
        }

        if (!string.Equals(headers[AlgorithmHeader].ToString().Trim(), Algorithm, StringComparison.OrdinalIgnoreCase))
        {
            return $"{AlgorithmHeader} must be {Algorithm}.";
        }

        var signature = new byte[signatureText.Length];
        if (!Convert.TryFromBase64String(signatureText, signature, out var length))
        {
            return "The signature is not base64.";
        }

        if (CertificateUrl(headers[CertificateUrlHeader].ToString()) is not { } url)
        {
            return $"{CertificateUrlHeader} must be an https URL on {options.Value.CertificateHost}.";
        }

        var certificate = await CheckedCertificateAsync(url, cancellationToken);
        if (certificate is null)
        {
            return "The signing certificate could not be fetched, or is not Partner Center's (chain or organization).";
        }

        using var key = certificate.GetRSAPublicKey();
        return key is not null && key.VerifyData(body.Span, signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            ? null
            : "The signature does not match the body.";
    }

    /// <summary>The certificate URL, if it is on the configured host: https (http only when that host is loopback), no credentials, the default port unless loopback.</summary>
    public Uri? CertificateUrl(string? text)
    {
        var settings = options.Value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || !string.IsNullOrEmpty(url.UserInfo)
            || !string.Equals(url.Host, settings.CertificateHost, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return url.Scheme == Uri.UriSchemeHttps && (url.IsDefaultPort || settings.IsLoopbackHost) ? url
            : url.Scheme == Uri.UriSchemeHttp && settings.IsLoopbackHost ? url
            : null;
    }

    private async Task<X509Certificate2?> CheckedCertificateAsync(Uri url, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_checked.TryGetValue(url.AbsoluteUri, out var kept) && kept.Until > now)
        {
            return kept.Certificate;
        }

        var certificate = await FetchAsync(url, cancellationToken);
        if (certificate is null || !IsTrusted(certificate))
        {
            certificate?.Dispose();
            return null;
        }

        if (_checked.Count >= MaxCachedCertificates)
        {
            _checked.Clear();
        }

        var until = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        _checked[url.AbsoluteUri] = (certificate, now + options.Value.CertificateCacheDuration < until ? now + options.Value.CertificateCacheDuration : until);
        return certificate;
    }

    private async Task<X509Certificate2?> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.CertificateFetchTimeout);
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > PartnerCenterEventOptions.MaxCertificateBytes)
            {
                LogFetchFailed(logger, url.AbsoluteUri, (int)response.StatusCode);
                return null;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[PartnerCenterEventOptions.MaxCertificateBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token)) > 0)
            {
                read += n;
            }

            if (read > PartnerCenterEventOptions.MaxCertificateBytes)
            {
                LogFetchFailed(logger, url.AbsoluteUri, 413);
                return null;
            }

            return Load(buffer.AsSpan(0, read));
        }
        catch (Exception ex) when (ex is HttpRequestException or CryptographicException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFetchError(logger, url.AbsoluteUri, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>A .cer file: DER, or PEM.</summary>
    private static X509Certificate2 Load(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith("-----BEGIN"u8)
            ? X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(bytes))
            : X509CertificateLoader.LoadCertificate(bytes);

    private bool IsTrusted(X509Certificate2 certificate)
    {
        var settings = options.Value;
        if (!string.Equals(Organization(certificate.SubjectName), settings.CertificateOrganization, StringComparison.Ordinal))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = settings.CheckRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        chain.ChainPolicy.UrlRetrievalTimeout = settings.CertificateFetchTimeout;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        var roots = settings.TrustedRoots();
        if (roots.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }

        try
        {
            if (!chain.Build(certificate))
            {
                return false;
            }

            var root = chain.ChainElements[^1].Certificate;
            return roots.Count > 0 || string.Equals(Organization(root.SubjectName), PartnerCenterEventOptions.MicrosoftRootOrganization, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }

            foreach (var root in roots)
            {
                root.Dispose();
            }
        }
    }

    /// <summary>The subject's organization (O=, OID 2.5.4.10).</summary>
    public static string? Organization(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EnumerateRelativeDistinguishedNames().FirstOrDefault(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")?.GetSingleElementValue();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partner Center event certificate {Url} not fetched: {Status}.")]
    private static partial void LogFetchFailed(ILogger logger, string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partner Center event certificate {Url} not fetched: {Error}.")]
    private static partial void LogFetchError(ILogger logger, string url, string error);
}
