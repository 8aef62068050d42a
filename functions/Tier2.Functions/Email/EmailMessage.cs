namespace Tier2.Functions.Email;

/// <summary>Sends one email. Implementations: <see cref="AcsEmailSender"/> and <see cref="SmtpEmailSender"/>, chosen by <c>Email__Provider</c>.</summary>
public interface IEmailSender
{
    /// <summary>
    /// Sends <paramref name="message"/>. The same <paramref name="idempotencyKey"/> always maps to the same provider id
    /// (the ACS <c>Operation-Id</c>, the SMTP <c>Message-Id</c>), so an at-least-once caller may call again after a crash:
    /// ACS deduplicates on it, and a mail client threads an SMTP resend as the same message.
    /// </summary>
    /// <exception cref="EmailSendException">The provider refused or failed the message (see <see cref="EmailSendException.IsTransient"/>).</exception>
    Task<EmailSendResult> SendAsync(EmailMessage message, string idempotencyKey, CancellationToken ct);
}

/// <summary>One message to one recipient. Build <see cref="PlainText"/> and <see cref="Html"/> with <see cref="EmailContentBuilder"/>.</summary>
public sealed record EmailMessage(string To, string? ToName, string Subject, string PlainText, string Html)
{
    /// <summary>The subject on one line (whitespace and control characters collapse to one space): a header never carries a line break.</summary>
    public string Subject { get; init; } = Hosting.TextInput.OneLine(Subject);

    /// <summary>The recipient's display name on one line, or null when nothing is left of it.</summary>
    public string? ToName { get; init; } = ToName is null ? null : Hosting.TextInput.OneLine(ToName) is { Length: > 0 } name ? name : null;

    /// <summary>Where replies go (an email address), when not to the sender.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for an address that is not one, or a header value with a line break.</summary>
    internal void Validate()
    {
        if (!IsSingleAddress(To))
        {
            throw new ArgumentException("The recipient is not a valid email address.", nameof(To));
        }

        if (ReplyTo is not null && !IsSingleAddress(ReplyTo))
        {
            throw new ArgumentException("The reply-to address is not a valid email address.", nameof(ReplyTo));
        }

        if (string.IsNullOrWhiteSpace(Subject))
        {
            throw new ArgumentException("The subject is required.", nameof(Subject));
        }

        if (HasLineBreak(Subject) || HasLineBreak(ToName))
        {
            throw new ArgumentException("The subject and the recipient's name cannot contain line breaks.", nameof(Subject));
        }
    }

    internal static bool IsSingleAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && !HasLineBreak(value)
        && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
        && string.Equals(parsed.Address, value.Trim(), StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrEmpty(parsed.DisplayName);

    private static bool HasLineBreak(string? value) => value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0;
}

/// <summary>What the provider said about a send.</summary>
/// <param name="ProviderMessageId">The ACS operation id (a GUID derived from the idempotency key) or the SMTP Message-Id.</param>
/// <param name="Status">How far the message got.</param>
public sealed record EmailSendResult(string ProviderMessageId, EmailSendStatus Status);

public enum EmailSendStatus
{
    /// <summary>The provider took the message and confirmed it: ACS reported <c>Succeeded</c>; the SMTP server accepted it.</summary>
    Succeeded,

    /// <summary>
    /// ACS accepted the message but did not reach a final status within <c>Email__AcsMaxPollDuration</c>. Sending
    /// again with the same idempotency key is safe: it polls the same operation and sends nothing twice.
    /// </summary>
    Accepted,
}

/// <summary>A send failed. The message never holds secrets (keys, passwords, tokens).</summary>
public sealed class EmailSendException : Exception
{
    public EmailSendException()
    {
    }

    public EmailSendException(string message)
        : base(message)
    {
    }

    public EmailSendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EmailSendException(string message, string? errorCode, int? statusCode, bool isTransient, string? providerMessageId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        IsTransient = isTransient;
        ProviderMessageId = providerMessageId;
    }

    /// <summary>The provider's error code: the ACS <c>error.code</c> (e.g. <c>Denied</c>, <c>TooManyRequests</c>) or the SMTP reply code.</summary>
    public string? ErrorCode { get; }

    /// <summary>The HTTP status (ACS) or SMTP reply code, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>True when trying again later may succeed (throttling, a busy server, a network error).</summary>
    public bool IsTransient { get; }

    /// <summary>The ACS operation id or SMTP Message-Id the failed send used.</summary>
    public string? ProviderMessageId { get; }
}
