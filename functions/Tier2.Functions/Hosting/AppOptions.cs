using Microsoft.Extensions.Options;

namespace Tier2.Functions.Hosting;

/// <summary>Settings <c>Tier2__*</c>: who the provider is and where the app is reached.</summary>
public sealed class AppOptions
{
    public const string Section = "Tier2";

    /// <summary>
    /// The public base URL of the app's HTTP functions, including the host's <c>/api</c> route prefix
    /// (e.g. https://tier2.example.com/api). Links in emails are built from it, never from a request's Host.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The indirect provider's name, shown on invite pages and emails.</summary>
    public string ProviderName { get; set; } = string.Empty;

    /// <summary>Where the provider receives notices (a reseller accepted, reconciliation summaries).</summary>
    public string ProviderEmail { get; set; } = string.Empty;

    /// <summary>The provider's own MPN ID, never accepted as a reseller's partner of record.</summary>
    public string ProviderMpnId { get; set; } = string.Empty;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}

public sealed class AppOptionsValidator : IValidateOptions<AppOptions>
{
    public ValidateOptionsResult Validate(string? name, AppOptions options)
    {
        var failures = new List<string>();
        if (options.PublicBaseUrl is null || !options.PublicBaseUrl.IsAbsoluteUri || (options.PublicBaseUrl.Scheme != Uri.UriSchemeHttps && options.PublicBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("Setting 'Tier2__PublicBaseUrl' must be the absolute http(s) URL of the app's API, e.g. https://tier2.example.com/api.");
        }

        if (string.IsNullOrWhiteSpace(options.ProviderName))
        {
            failures.Add("Setting 'Tier2__ProviderName' is required (the provider's name shown to resellers).");
        }

        if (!System.Net.Mail.MailAddress.TryCreate(options.ProviderEmail, out _))
        {
            failures.Add("Setting 'Tier2__ProviderEmail' must be an email address.");
        }

        if (!string.IsNullOrEmpty(options.ProviderMpnId) && (options.ProviderMpnId.Length > 10 || !options.ProviderMpnId.All(char.IsAsciiDigit)))
        {
            failures.Add("Setting 'Tier2__ProviderMpnId' must be 1 to 10 digits.");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            failures.Add("Setting 'Tier2__MaxRequestBodyBytes' must be between 1024 and 67108864.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
