using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Functions.Email;

namespace Tier2.Functions.Tests.Email;

/// <summary>Against the real maildev (SMTP <c>TIER2_TEST_SMTP_PORT</c>, REST API <c>TIER2_TEST_MAILDEV_URL</c>).</summary>
public sealed class SmtpEmailSenderTests
{
    private static readonly int SmtpPort = int.TryParse(Environment.GetEnvironmentVariable("TIER2_TEST_SMTP_PORT"), out var port) ? port : 1025;
    private static readonly Uri Maildev = new(Environment.GetEnvironmentVariable("TIER2_TEST_MAILDEV_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:1080");
    private static readonly HttpClient MaildevClient = new() { BaseAddress = Maildev, Timeout = TimeSpan.FromSeconds(10) };

    private static SmtpEmailSender Sender(int? smtpPort = null) => new(
        Microsoft.Extensions.Options.Options.Create(new EmailOptions
        {
            Provider = EmailProvider.Smtp,
            SenderAddress = "noreply@tier2.test.example",
            SenderName = "Contoso Distribution",
            SmtpHost = "127.0.0.1",
            SmtpPort = smtpPort ?? SmtpPort,
            SmtpSecurity = SmtpSecurity.None,
            SmtpTimeout = TimeSpan.FromSeconds(5),
        }),
        TimeProvider.System,
        NullLogger<SmtpEmailSender>.Instance);

    [Fact]
    public async Task A_message_arrives_in_maildev_with_recipient_subject_text_and_html()
    {
        var subject = $"Invite {Guid.NewGuid():N}";
        var content = new EmailContentBuilder()
            .Heading("You are invited")
            .Paragraph("Contoso Distribution invites Fabrikam to partner.")
            .Button("Review the invitation", new Uri("http://tier2.test.example/api/invite/abc"))
            .Build();

        var result = await Sender().SendAsync(content.ToMessage("reseller@fabrikam.example", "Fabrikam Admin", subject) with { ReplyTo = "partners@contoso.example" }, "smtp-send-1", CancellationToken.None);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        var email = await FindAsync(subject);
        Assert.Equal("reseller@fabrikam.example", (string?)email["to"]![0]!["address"]);
        Assert.Equal("Fabrikam Admin", (string?)email["to"]![0]!["name"]);
        Assert.Equal("noreply@tier2.test.example", (string?)email["from"]![0]!["address"]);
        Assert.Equal("partners@contoso.example", (string?)email["replyTo"]![0]!["address"]);
        Assert.Contains("Contoso Distribution invites Fabrikam to partner.", (string?)email["text"], StringComparison.Ordinal);
        Assert.Contains("http://tier2.test.example/api/invite/abc", (string?)email["text"], StringComparison.Ordinal);
        Assert.Contains("<h1 ", (string?)email["html"], StringComparison.Ordinal);
        Assert.Contains("href=\"http://tier2.test.example/api/invite/abc\"", (string?)email["html"], StringComparison.Ordinal);
        Assert.StartsWith("multipart/alternative", (string?)email["headers"]!["content-type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_script_in_a_value_arrives_as_text_in_the_html()
    {
        var subject = $"Script {Guid.NewGuid():N}";
        var content = new EmailContentBuilder()
            .Heading("Invitation from <script>alert('company')</script>")
            .Quote("<script>alert(1)</script> & <img src=x onerror=alert(2)>", "They wrote:")
            .Build();

        await Sender().SendAsync(content.ToMessage("reseller@fabrikam.example", null, subject), "smtp-script", CancellationToken.None);

        var html = (string)(await FindAsync(subject))["html"]!;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<script>alert(1)</script>", (string?)(await FindAsync(subject))["text"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Message_Id_is_derived_from_the_idempotency_key_and_stable()
    {
        var subject = $"Stable {Guid.NewGuid():N}";
        var key = "invite-7/" + Guid.NewGuid();

        var first = await Sender().SendAsync(new EmailMessage("a@fabrikam.example", null, subject, "text", "<p>html</p>"), key, CancellationToken.None);
        var again = await Sender().SendAsync(new EmailMessage("a@fabrikam.example", null, subject, "text", "<p>html</p>"), key, CancellationToken.None);

        Assert.Equal(first.ProviderMessageId, again.ProviderMessageId);
        Assert.Equal(EmailIdempotency.MessageId(key, "noreply@tier2.test.example"), first.ProviderMessageId);
        Assert.EndsWith("@tier2.test.example", first.ProviderMessageId, StringComparison.Ordinal);
        var email = await FindAsync(subject);
        Assert.Contains(first.ProviderMessageId, (string?)email["messageId"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_fails_as_transient_naming_the_server()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var ex = await Assert.ThrowsAsync<EmailSendException>(() => Sender(closedPort).SendAsync(new EmailMessage("a@fabrikam.example", null, "x", "t", "<p>h</p>"), "k", CancellationToken.None));

        Assert.True(ex.IsTransient);
        Assert.Contains($"127.0.0.1:{closedPort}", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Reads maildev's inbox until the message with this (unique) subject is there.</summary>
    private static async Task<JsonObject> FindAsync(string subject)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var emails = await MaildevClient.GetFromJsonAsync<JsonArray>("email");
            var found = emails?.OfType<JsonObject>().FirstOrDefault(e => (string?)e["subject"] == subject);
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"maildev at {Maildev} has no email with subject '{subject}'.");
            }

            await Task.Delay(100);
        }
    }
}
