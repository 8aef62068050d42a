using Microsoft.Extensions.Configuration;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// The host id that scopes timer locks and status in storage: <c>AzureFunctionsWebHost:hostid</c> if set,
/// else the site (or app) name sanitized the way the Functions host does (lower case, letters, digits and
/// dashes, at most 32 characters).
/// </summary>
internal static class HostIdentity
{
    public static string Resolve(IConfiguration configuration, string appName)
    {
        if (configuration["AzureFunctionsWebHost:hostid"] is { Length: > 0 } configured)
        {
            return configured;
        }

        string name = configuration["WEBSITE_SITE_NAME"] is { Length: > 0 } site ? site : appName;
        string sanitized = new([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        sanitized = sanitized.Length > 32 ? sanitized[..32] : sanitized;
        sanitized = sanitized.Trim('-');
        return sanitized.Length == 0 ? "standalone-host" : sanitized;
    }
}
