using Microsoft.Extensions.Options;

namespace Tier2.Functions.Auth;

public enum AuthMode
{
    /// <summary>Tokens signed with a local symmetric key (local runs and tests); minted by the <c>token</c> command.</summary>
    Development,

    /// <summary>Tokens issued by Microsoft Entra ID; keys come from the authority's metadata.</summary>
    EntraId,
}

/// <summary>Settings <c>Auth__*</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.Development;

    /// <summary>Entra ID authority, e.g. https://login.microsoftonline.com/{tenant}/v2.0.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// The provider's own Entra ID tenant: only its tokens may carry <c>provider-admin</c>; another tenant's token names a
    /// linked reseller or nobody (<see cref="EntraTenantPrincipal"/>). Unset: the tenant <see cref="Authority"/> names.
    /// </summary>
    public string? ProviderTenantId { get; set; }

    /// <summary><see cref="ProviderTenantId"/>, else the GUID in <see cref="Authority"/>'s path; null when neither names one.</summary>
    public Guid? ResolvedProviderTenantId =>
        Guid.TryParse(ProviderTenantId, out var set) ? set
        : Uri.TryCreate(Authority, UriKind.Absolute, out var authority) && authority.Segments.Length > 1 && Guid.TryParse(authority.Segments[1].TrimEnd('/'), out var named) ? named
        : null;

    /// <summary>The API's audience (application ID URI or client id).</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>Issuer of development tokens.</summary>
    public string Issuer { get; set; } = "tier2-local";

    /// <summary>Base64 key (at least 32 bytes) signing development tokens.</summary>
    public string? SigningKey { get; set; }

    public byte[] SigningKeyBytes() => Convert.FromBase64String(SigningKey ?? string.Empty);
}

public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Setting 'Auth__Audience' is required (the audience every token must carry).");
        }

        if (options.Mode == AuthMode.EntraId)
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add("Setting 'Auth__Authority' must be the https URL of the Entra ID authority when Auth__Mode is EntraId.");
            }

            if (options.ResolvedProviderTenantId is null)
            {
                failures.Add("Setting 'Auth__ProviderTenantId' must be the provider's tenant id (a GUID) when Auth__Mode is EntraId and Auth__Authority does not name the tenant (e.g. .../organizations/v2.0).");
            }
        }
        else
        {
            // Development tokens can be minted by anyone holding the key: never accept them in Azure.
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME")))
            {
                failures.Add("Setting 'Auth__Mode' must be EntraId when the app runs in Azure (Development tokens are for local runs only).");
            }

            byte[]? key = null;
            try
            {
                key = options.SigningKeyBytes();
            }
            catch (FormatException)
            {
                // Reported below.
            }

            if (key is null || key.Length < 32)
            {
                failures.Add("Setting 'Auth__SigningKey' must be a base64 key of at least 32 bytes when Auth__Mode is Development.");
            }

            if (string.IsNullOrWhiteSpace(options.Issuer))
            {
                failures.Add("Setting 'Auth__Issuer' is required when Auth__Mode is Development.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
