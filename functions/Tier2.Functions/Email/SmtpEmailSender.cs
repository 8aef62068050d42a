using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Tier2.Functions.Email;

/// <summary>
/// SMTP with MailKit, one connection per send: multipart/alternative (plain text and HTML), a <c>Message-Id</c>
/// derived from the idempotency key, STARTTLS or TLS on connect, optional authentication.
/// </summary>
public sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, TimeProvider time, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    private readonly EmailOptions options = options.Value;

    public async Task<EmailSendResult> SendAsync(EmailMessage message, string idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        var messageId = EmailIdempotency.MessageId(idempotencyKey, options.SenderAddress);
        using var mime = Build(message, messageId);

        try
        {
            using var client = new SmtpClient { Timeout = (int)options.SmtpTimeout.TotalMilliseconds };
            await client.ConnectAsync(options.SmtpHost ?? throw new InvalidOperationException("Setting 'Email__SmtpHost' is required when 'Email__Provider' is Smtp."), options.SmtpPort, Security(options.SmtpSecurity), ct);
            if (!string.IsNullOrEmpty(options.SmtpUserName))
            {
                await client.AuthenticateAsync(options.SmtpUserName, options.SmtpPassword ?? string.Empty, ct);
            }

            await client.SendAsync(mime, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not EmailSendException)
        {
            throw Failure(ex, messageId);
        }

        LogSent(messageId, options.SmtpHost);
        return new EmailSendResult(messageId, EmailSendStatus.Succeeded);
    }

    internal MimeMessage Build(EmailMessage message, string messageId)
    {
        var mime = new MimeMessage
        {
            MessageId = messageId,
            Date = time.GetUtcNow(),
            Subject = message.Subject,
        };
        if (EmailCorrelation.Current() is { } correlation)
        {
            mime.Headers.Add(EmailCorrelation.HeaderName, correlation);
        }

        mime.From.Add(new MailboxAddress(options.SenderName, options.SenderAddress));
        mime.To.Add(new MailboxAddress(message.ToName, message.To));
        if (message.ReplyTo is not null)
        {
            mime.ReplyTo.Add(MailboxAddress.Parse(message.ReplyTo));
        }

        mime.Body = new BodyBuilder { TextBody = message.PlainText, HtmlBody = message.Html }.ToMessageBody();
        EncodeLookalikes(mime, message);
        return mime;
    }

    /// <summary>
    /// MimeKit writes an ASCII phrase as it is, and a display name or subject a user typed as <c>=?utf-8?B?...?=</c>
    /// would reach the reader as whatever it encodes (a mail client decodes encoded-words in a phrase, quoted or not).
    /// Text holding <c>=?</c> is therefore written as encoded-words itself: the reader's client decodes them back to
    /// exactly the characters typed. Other text keeps MimeKit's encoding.
    /// </summary>
    private static void EncodeLookalikes(MimeMessage mime, EmailMessage message)
    {
        if (message.ToName is { } name && name.Contains("=?", StringComparison.Ordinal))
        {
            mime.Headers.First(h => h.Id == HeaderId.To).SetRawValue(Encoding.UTF8.GetBytes(" " + EncodedWords(name) + "\r\n <" + message.To.Trim() + ">\r\n"));
        }

        if (message.Subject.Contains("=?", StringComparison.Ordinal))
        {
            mime.Headers.First(h => h.Id == HeaderId.Subject).SetRawValue(Encoding.ASCII.GetBytes(" " + EncodedWords(message.Subject) + "\r\n"));
        }
    }

    /// <summary>
    /// <paramref name="text"/> as RFC 2047 encoded-words (UTF-8, base64), each under the 75 characters RFC 2047 allows,
    /// split between characters, folded one word a line (whitespace between encoded-words is not part of the text).
    /// </summary>
    private static string EncodedWords(string text)
    {
        const int MaxBytes = 45; // 60 base64 characters + "=?utf-8?b?" + "?=" = 72
        var words = new List<string>();
        var chunk = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxBytes)
            {
                words.Add(Word(chunk.ToString()));
                chunk.Clear();
                bytes = 0;
            }

            chunk.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }

        if (chunk.Length > 0)
        {
            words.Add(Word(chunk.ToString()));
        }

        return string.Join("\r\n ", words);

        static string Word(string part) => "=?utf-8?b?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(part)) + "?=";
    }

    private static SecureSocketOptions Security(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.None,
    };

    private EmailSendException Failure(Exception ex, string messageId)
    {
        // Reply codes 4xx are temporary by definition (RFC 5321); network and protocol failures may pass.
        var (code, transient, what) = ex switch
        {
            SmtpCommandException command => ((int?)command.StatusCode, (int)command.StatusCode is >= 400 and < 500, $"answered {(int)command.StatusCode} ({command.ErrorCode}): {command.Message}"),
            AuthenticationException => (null, false, "refused the credentials in 'Email__SmtpUserName' and 'Email__SmtpPassword'"),
            SslHandshakeException => (null, false, "failed the TLS handshake (check 'Email__SmtpSecurity' and 'Email__SmtpPort')"),
            ServiceNotConnectedException or SmtpProtocolException or IOException or SocketException or TimeoutException => (null, true, $"could not be reached or dropped the connection: {ex.Message}"),
            _ => ((int?)null, false, ex.Message),
        };
        LogFailed(messageId, options.SmtpHost, code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ex.GetType().Name);
        return new EmailSendException(
            $"SMTP server {options.SmtpHost}:{options.SmtpPort} {what} (Message-Id {messageId}).",
            code?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            code,
            transient,
            messageId,
            ex);
    }

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "SMTP email {MessageId} handed to {Host}")]
    private partial void LogSent(string messageId, string? host);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "SMTP email {MessageId} to {Host} failed: {Error}")]
    private partial void LogFailed(string messageId, string? host, string error);
}
