using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter;

/// <summary>Whether the app talks to Partner Center at all (on the wire by name, as every enum of the API).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PartnerCenterMode>))]
public enum PartnerCenterMode
{
    /// <summary>
    /// The default: no Partner Center settings are needed and none are checked; every Partner Center call (and the
    /// connect flow) answers 503 <c>urn:tier2:problem:partner-center-not-configured</c>. A developer who has not set
    /// Partner Center up still gets a running app.
    /// </summary>
    Disabled,

    /// <summary>The settings below are required and validated at start-up.</summary>
    Enabled,
}

/// <summary>
/// Settings <c>PartnerCenter__*</c>: where Partner Center and its token service are, the app registration that calls
/// them, where the refresh token is kept, and how fast the app may call. Every Partner Center call goes to
/// <see cref="BaseUrl"/> and every token call to <see cref="TokenEndpoint"/>, nowhere else, so a local Partner Center
/// can stand in for both.
/// </summary>
public sealed partial class PartnerCenterOptions
{
    public const string Section = "PartnerCenter";

    /// <summary>The audience of every Partner Center token (App+User and App-only alike; graph.windows.net is refused).</summary>
    public const string Resource = "https://api.partnercenter.microsoft.com";

    /// <summary>The placeholder the endpoint settings may carry for <see cref="TenantId"/>.</summary>
    public const string TenantPlaceholder = "{tenant}";

    public PartnerCenterMode Mode { get; set; } = PartnerCenterMode.Disabled;

    /// <summary>Partner Center's REST API (a string, so a wrong value is named by validation rather than failing the binder).</summary>
    public string BaseUrl { get; set; } = Resource;

    /// <summary>Entra ID's v1 token endpoint; <c>{tenant}</c> is replaced by <see cref="TenantId"/>.</summary>
    public string TokenEndpoint { get; set; } = "https://login.microsoftonline.com/{tenant}/oauth2/token";

    /// <summary>Entra ID's v1 authorize endpoint (the connect flow's first step); <c>{tenant}</c> as above.</summary>
    public string AuthorizeEndpoint { get; set; } = "https://login.microsoftonline.com/{tenant}/oauth2/authorize";

    /// <summary>The provider's (partner) tenant: a GUID or its domain name.</summary>
    public string? TenantId { get; set; }

    /// <summary>The app registration (a web app, so it can use both App+User and App-only).</summary>
    public string? ClientId { get; set; }

    /// <summary>The app registration's secret: a setting locally, a Key Vault reference in Azure (the platform resolves it).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Sent as <c>X-Locale</c>.</summary>
    public string Locale { get; set; } = "en-US";

    /// <summary>
    /// The vault that keeps the refresh token as a secret (<see cref="RefreshTokenSecretName"/>), e.g.
    /// https://myvault.vault.azure.net. Unset: the token is kept in a table row, encrypted with Data Protection.
    /// </summary>
    public string? KeyVaultUri { get; set; }

    public string RefreshTokenSecretName { get; set; } = "partner-center-refresh-token";

    /// <summary>
    /// Requests the app sends per <see cref="RateLimitWindow"/> to the customer, order and subscription resources
    /// (Partner Center allows 500 a minute per tenant; the default leaves room for the portal and other tools).
    /// </summary>
    public int RequestsPerMinute { get; set; } = 450;

    /// <summary>The window <see cref="RequestsPerMinute"/> counts in: a minute, as Partner Center's; shorter only in tests.</summary>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one attempt of a call may take before it is abandoned and retried (same MS-RequestId).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a throttled (429), failed (5xx, 408) or timed-out attempt is tried again.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first back-off (exponential with jitter after it; a 429's Retry-After wins).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>When the connection timer looks at the refresh token's lapse date (six-field cron).</summary>
    public string ConnectionCheckSchedule { get; set; } = "0 0 7 * * *";

    public bool IsEnabled => Mode == PartnerCenterMode.Enabled;

    public Uri BaseUri => new(BaseUrl);

    public Uri? KeyVault => string.IsNullOrWhiteSpace(KeyVaultUri) ? null : new Uri(KeyVaultUri);

    public Uri TokenUri => new(TokenEndpoint.Replace(TenantPlaceholder, TenantId, StringComparison.OrdinalIgnoreCase));

    public Uri AuthorizeUri => new(AuthorizeEndpoint.Replace(TenantPlaceholder, TenantId, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    internal static partial Regex LocalePattern();

    [GeneratedRegex("^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$")]
    internal static partial Regex DomainPattern();

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    internal static partial Regex SecretNamePattern();
}

public sealed class PartnerCenterOptionsValidator : IValidateOptions<PartnerCenterOptions>
{
    public ValidateOptionsResult Validate(string? name, PartnerCenterOptions options)
    {
        if (!Enum.IsDefined(options.Mode))
        {
            return ValidateOptionsResult.Fail("Setting 'PartnerCenter__Mode' must be Disabled or Enabled.");
        }

        var failures = new List<string>();
        try
        {
            // The timer reads its schedule in either mode (the Functions host resolves %PartnerCenter:ConnectionCheckSchedule%).
            Hosting.CronSchedule.Parse(options.ConnectionCheckSchedule, "setting 'PartnerCenter__ConnectionCheckSchedule'");
        }
        catch (FormatException ex)
        {
            failures.Add($"Setting 'PartnerCenter__ConnectionCheckSchedule': {ex.Message}");
        }

        if (!options.IsEnabled)
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var baseUrl) || !IsServiceUrl(baseUrl) || !string.IsNullOrEmpty(baseUrl.Query))
        {
            failures.Add("Setting 'PartnerCenter__BaseUrl' must be an https URL such as https://api.partnercenter.microsoft.com (http only for a loopback local server).");
        }

        var tenantOk = Guid.TryParse(options.TenantId, out _) || (options.TenantId is { } domain && PartnerCenterOptions.DomainPattern().IsMatch(domain));
        if (!tenantOk)
        {
            failures.Add("Setting 'PartnerCenter__TenantId' must be the provider's tenant id (a GUID) or its domain name.");
        }

        foreach (var (setting, value) in new[] { ("TokenEndpoint", options.TokenEndpoint), ("AuthorizeEndpoint", options.AuthorizeEndpoint) })
        {
            var resolved = value?.Replace(PartnerCenterOptions.TenantPlaceholder, tenantOk ? options.TenantId : "tenant", StringComparison.OrdinalIgnoreCase);
            if (!Uri.TryCreate(resolved, UriKind.Absolute, out var uri) || !IsServiceUrl(uri) || !string.IsNullOrEmpty(uri.Query))
            {
                failures.Add($"Setting 'PartnerCenter__{setting}' must be an https URL (http only for loopback), optionally with {{tenant}}, e.g. https://login.microsoftonline.com/{{tenant}}/oauth2/{(setting == "TokenEndpoint" ? "token" : "authorize")}.");
            }
        }

        if (!Guid.TryParse(options.ClientId, out _))
        {
            failures.Add("Setting 'PartnerCenter__ClientId' must be the app registration's client id (a GUID).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add("Setting 'PartnerCenter__ClientSecret' is required (locally the secret; in Azure a Key Vault reference).");
        }

        if (!PartnerCenterOptions.LocalePattern().IsMatch(options.Locale ?? string.Empty))
        {
            failures.Add("Setting 'PartnerCenter__Locale' must be a culture name such as en-US.");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyVaultUri) && (!Uri.TryCreate(options.KeyVaultUri, UriKind.Absolute, out var vault) || vault.Scheme != Uri.UriSchemeHttps || vault.AbsolutePath != "/"))
        {
            failures.Add("Setting 'PartnerCenter__KeyVaultUri' must be a vault's https URL such as https://myvault.vault.azure.net, or empty to keep the refresh token in an encrypted table row.");
        }

        if (!PartnerCenterOptions.SecretNamePattern().IsMatch(options.RefreshTokenSecretName ?? string.Empty))
        {
            failures.Add("Setting 'PartnerCenter__RefreshTokenSecretName' must be 1 to 127 letters, digits and dashes.");
        }

        Check(failures, options.RequestsPerMinute is >= 1 and <= 500, "RequestsPerMinute", "must be between 1 and 500 (Partner Center allows 500 a minute per tenant).");
        Check(failures, options.RateLimitWindow >= TimeSpan.FromMilliseconds(100) && options.RateLimitWindow <= TimeSpan.FromMinutes(1), "RateLimitWindow", "must be between 00:00:00.100 and 00:01:00.");
        Check(failures, options.AttemptTimeout >= TimeSpan.FromMilliseconds(100) && options.AttemptTimeout <= TimeSpan.FromMinutes(5), "AttemptTimeout", "must be between 00:00:00.100 and 00:05:00.");
        Check(failures, options.MaxRetries is >= 0 and <= 10, "MaxRetries", "must be between 0 and 10.");
        Check(failures, options.RetryDelay >= TimeSpan.FromMilliseconds(1) && options.RetryDelay <= TimeSpan.FromMinutes(1), "RetryDelay", "must be between 00:00:00.001 and 00:01:00.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, bool ok, string setting, string message)
    {
        if (!ok)
        {
            failures.Add($"Setting 'PartnerCenter__{setting}' {message}");
        }
    }

    private static bool IsServiceUrl(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && string.IsNullOrEmpty(uri.UserInfo)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
