using Microsoft.Extensions.Options;

namespace Tier2.Functions.Email;

public enum EmailProvider
{
    /// <summary>MailKit over SMTP (locally: maildev on 127.0.0.1:1025).</summary>
    Smtp,

    /// <summary>Azure Communication Services Email over its REST API.</summary>
    Acs,
}

public enum SmtpSecurity
{
    /// <summary>Plain SMTP, no TLS (local relays such as maildev only).</summary>
    None,

    /// <summary>Connect in plain text, then require STARTTLS (usually port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}

/// <summary>Settings <c>Email__*</c>: which provider sends the app's emails, and how.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public EmailProvider Provider { get; set; } = EmailProvider.Smtp;

    /// <summary>The From address (for ACS: an address of a domain connected to the resource, e.g. DoNotReply@...azurecomm.net).</summary>
    public string SenderAddress { get; set; } = string.Empty;

    /// <summary>The From display name (SMTP only: ACS takes it from the sender username's configuration).</summary>
    public string? SenderName { get; set; }

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    public SmtpSecurity SmtpSecurity { get; set; } = SmtpSecurity.StartTls;

    public string? SmtpUserName { get; set; }

    public string? SmtpPassword { get; set; }

    /// <summary>How long one SMTP command may take.</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Communication Services resource, e.g. https://contoso.europe.communication.azure.com. http only for loopback (tests).</summary>
    public Uri? AcsEndpoint { get; set; }

    /// <summary>The resource's access key (base64). Without it the app authenticates with Microsoft Entra ID (DefaultAzureCredential).</summary>
    public string? AcsAccessKey { get; set; }

    /// <summary>How long to wait between status polls when the service does not say (Retry-After).</summary>
    public TimeSpan AcsPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to poll for a final status before returning <see cref="EmailSendStatus.Accepted"/>.</summary>
    public TimeSpan AcsMaxPollDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a throttled (429), unavailable (5xx) or network-failed request is tried again.</summary>
    public int AcsMaxRetries { get; set; } = 4;

    /// <summary>The longest Retry-After the sender waits in place; a longer one fails the send as transient, for the caller to retry later.</summary>
    public TimeSpan AcsMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add("Setting 'Email__Provider' must be Smtp or Acs.");
        }

        if (!EmailMessage.IsSingleAddress(options.SenderAddress))
        {
            failures.Add("Setting 'Email__SenderAddress' must be an email address (the From address).");
        }

        if (options.SenderName is not null && options.SenderName.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            failures.Add("Setting 'Email__SenderName' cannot contain line breaks.");
        }

        if (options.Provider == EmailProvider.Smtp)
        {
            ValidateSmtp(options, failures);
        }
        else if (options.Provider == EmailProvider.Acs)
        {
            ValidateAcs(options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateSmtp(EmailOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.SmtpHost) || Uri.CheckHostName(options.SmtpHost) == UriHostNameType.Unknown)
        {
            failures.Add("Setting 'Email__SmtpHost' must be a host name or IP address when 'Email__Provider' is Smtp.");
        }

        if (options.SmtpPort is < 1 or > 65535)
        {
            failures.Add("Setting 'Email__SmtpPort' must be between 1 and 65535.");
        }

        if (!Enum.IsDefined(options.SmtpSecurity))
        {
            failures.Add("Setting 'Email__SmtpSecurity' must be None, StartTls or SslOnConnect.");
        }

        var hasUser = !string.IsNullOrEmpty(options.SmtpUserName);
        var hasPassword = !string.IsNullOrEmpty(options.SmtpPassword);
        if (hasUser != hasPassword)
        {
            failures.Add("Settings 'Email__SmtpUserName' and 'Email__SmtpPassword' must be set together.");
        }

        if (hasUser && options.SmtpSecurity == SmtpSecurity.None && !IsLoopback(options.SmtpHost))
        {
            failures.Add("Setting 'Email__SmtpSecurity' must be StartTls or SslOnConnect when 'Email__SmtpUserName' is set: the password would cross the network in clear text.");
        }

        if (options.SmtpTimeout < TimeSpan.FromSeconds(1) || options.SmtpTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("Setting 'Email__SmtpTimeout' must be between 00:00:01 and 00:05:00.");
        }
    }

    private static void ValidateAcs(EmailOptions options, List<string> failures)
    {
        var endpoint = options.AcsEndpoint;
        if (endpoint is null || !endpoint.IsAbsoluteUri
            || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback))
            || !string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.UserInfo))
        {
            failures.Add("Setting 'Email__AcsEndpoint' must be the https URL of the Communication Services resource, e.g. https://contoso.europe.communication.azure.com (http only for a loopback test endpoint).");
        }

        if (!string.IsNullOrEmpty(options.AcsAccessKey))
        {
            var buffer = new byte[options.AcsAccessKey.Length];
            if (!Convert.TryFromBase64String(options.AcsAccessKey, buffer, out var length) || length < 16)
            {
                failures.Add("Setting 'Email__AcsAccessKey' must be the resource's access key (base64), or empty to use Microsoft Entra ID.");
            }
        }
        else if (endpoint is not null && endpoint.IsAbsoluteUri && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add("Setting 'Email__AcsAccessKey' is required when 'Email__AcsEndpoint' is http: Microsoft Entra ID tokens are only sent over https.");
        }

        if (options.AcsPollInterval < TimeSpan.FromMilliseconds(10) || options.AcsPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("Setting 'Email__AcsPollInterval' must be between 00:00:00.010 and 00:01:00.");
        }

        if (options.AcsMaxPollDuration < options.AcsPollInterval || options.AcsMaxPollDuration > TimeSpan.FromMinutes(10))
        {
            failures.Add("Setting 'Email__AcsMaxPollDuration' must be at least 'Email__AcsPollInterval' and at most 00:10:00.");
        }

        if (options.AcsMaxRetries is < 0 or > 10)
        {
            failures.Add("Setting 'Email__AcsMaxRetries' must be between 0 and 10.");
        }

        if (options.AcsMaxRetryDelay < TimeSpan.Zero || options.AcsMaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add("Setting 'Email__AcsMaxRetryDelay' must be between 00:00:00 and 00:05:00.");
        }
    }

    private static bool IsLoopback(string? host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));
}
