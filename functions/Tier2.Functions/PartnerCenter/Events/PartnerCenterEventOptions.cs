using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>
/// Settings <c>PartnerCenter__Events__*</c>: what a Partner Center event must carry to be believed. Every default is
/// Microsoft's; a test (or a local Partner Center that signs) sets its own host, organization and root.
/// </summary>
public sealed class PartnerCenterEventOptions
{
    public const string Section = "PartnerCenter:Events";

    /// <summary>
    /// The only host <c>X-MS-Certificate-Url</c> may name: where Microsoft's documentation says Partner Center keeps its
    /// signing certificate. A certificate anywhere else is never fetched.
    /// </summary>
    public string CertificateHost { get; set; } = "3psostorageacct.blob.core.windows.net";

    /// <summary>The organization (O=) the signing certificate's subject must name.</summary>
    public string CertificateOrganization { get; set; } = "Microsoft Corporation";

    /// <summary>
    /// PEM root certificate(s) the signing certificate must chain to. Empty: the system's trusted roots, and the root
    /// must be Microsoft's (its subject's O= is <see cref="MicrosoftRootOrganization"/>).
    /// </summary>
    public string? TrustedRootCertificates { get; set; }

    /// <summary>Whether the chain's revocation is checked online (Microsoft's chain publishes CRLs; a test root does not).</summary>
    public bool CheckRevocation { get; set; } = true;

    /// <summary>The largest event body accepted (events are a few hundred bytes).</summary>
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>How long fetching the certificate may take.</summary>
    public TimeSpan CertificateFetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a fetched and checked certificate is kept (never beyond its own expiry).</summary>
    public TimeSpan CertificateCacheDuration { get; set; } = TimeSpan.FromHours(1);

    public const string MicrosoftRootOrganization = "Microsoft Corporation";

    /// <summary>The largest certificate file fetched.</summary>
    public const int MaxCertificateBytes = 64 * 1024;

    /// <summary>The roots of <see cref="TrustedRootCertificates"/> (empty: the system's).</summary>
    public X509Certificate2Collection TrustedRoots()
    {
        var roots = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(TrustedRootCertificates))
        {
            roots.ImportFromPem(TrustedRootCertificates);
        }

        return roots;
    }

    /// <summary>Whether the host is a loopback one (a test's), for which http is allowed.</summary>
    public bool IsLoopbackHost => CertificateHost is "localhost" or "127.0.0.1" or "[::1]";
}

public sealed class PartnerCenterEventOptionsValidator : IValidateOptions<PartnerCenterEventOptions>
{
    public ValidateOptionsResult Validate(string? name, PartnerCenterEventOptions options)
    {
        var failures = new List<string>();
        if (Uri.CheckHostName(options.CertificateHost?.Trim('[', ']')) is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            failures.Add("Setting 'PartnerCenter__Events__CertificateHost' must be a host name, such as 3psostorageacct.blob.core.windows.net.");
        }

        if (string.IsNullOrWhiteSpace(options.CertificateOrganization))
        {
            failures.Add("Setting 'PartnerCenter__Events__CertificateOrganization' must name the signing certificate's organization, such as Microsoft Corporation.");
        }

        try
        {
            if (!string.IsNullOrWhiteSpace(options.TrustedRootCertificates) && options.TrustedRoots().Count == 0)
            {
                failures.Add("Setting 'PartnerCenter__Events__TrustedRootCertificates' holds no PEM certificate.");
            }
        }
        catch (CryptographicException)
        {
            failures.Add("Setting 'PartnerCenter__Events__TrustedRootCertificates' must be PEM certificates (-----BEGIN CERTIFICATE-----), or empty for the system's Microsoft roots.");
        }

        if (options.MaxBodyBytes is < 1024 or > 1024 * 1024)
        {
            failures.Add("Setting 'PartnerCenter__Events__MaxBodyBytes' must be between 1024 and 1048576.");
        }

        if (options.CertificateFetchTimeout < TimeSpan.FromMilliseconds(100) || options.CertificateFetchTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Setting 'PartnerCenter__Events__CertificateFetchTimeout' must be between 00:00:00.100 and 00:01:00.");
        }

        if (options.CertificateCacheDuration < TimeSpan.Zero || options.CertificateCacheDuration > TimeSpan.FromDays(1))
        {
            failures.Add("Setting 'PartnerCenter__Events__CertificateCacheDuration' must be between 00:00:00 and 1.00:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
