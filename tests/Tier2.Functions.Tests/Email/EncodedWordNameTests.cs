using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Functions.Email;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Email;

/// <summary>
/// A name a user typed that looks like an RFC 2047 encoded-word must reach the reader as those characters, never as
/// what it encodes (here <c>Bcc: victim@evil.example</c>).
/// </summary>
public sealed class EncodedWordNameTests
{
    private const string EncodedWordName = "=?utf-8?B?QmNjOiB2aWN0aW1AZXZpbC5leGFtcGxl?=";

    private static SmtpEmailSender Smtp() => new(
        Microsoft.Extensions.Options.Options.Create(new EmailOptions
        {
            Provider = EmailProvider.Smtp,
            SenderAddress = "noreply@tier2.test.example",
            SenderName = "Contoso Distribution",
            SmtpHost = "127.0.0.1",
            SmtpPort = TestApp.SmtpPort,
            SmtpSecurity = SmtpSecurity.None,
            SmtpTimeout = TimeSpan.FromSeconds(5),
        }),
        TimeProvider.System,
        NullLogger<SmtpEmailSender>.Instance);

    [Theory]
    [InlineData(EncodedWordName)]
    [InlineData("Fabrikam " + EncodedWordName + " Ltd")]
    [InlineData("=?iso-8859-1?Q?Caf=E9?= ünd =?utf-8?q?x?=")]
    [InlineData("Fabrikam =? Resellers ?= and a long tail that goes past one encoded-word of forty-five bytes, ünïcödé included")]
    public async Task An_encoded_word_in_the_display_name_and_subject_arrives_over_smtp_as_the_characters_typed(string name)
    {
        var to = $"ew-{Guid.NewGuid():N}@fabrikam.example";
        var subject = $"{name} accepted your partnership request";

        await Smtp().SendAsync(new EmailMessage(to, name, subject, "text", "<p>html</p>"), "encoded-word/" + to, CancellationToken.None);

        var email = await Maildev.WaitForMessageAsync(to, timeout: TimeSpan.FromSeconds(20));
        var recipient = Assert.Single(email.To);
        Assert.Equal(to, recipient.Address);
        Assert.Equal(name, recipient.Name);
        Assert.Equal(subject, email.Subject);
    }

    [Fact]
    public async Task An_ordinary_display_name_is_still_sent_as_plain_text_over_smtp()
    {
        var to = $"plain-{Guid.NewGuid():N}@fabrikam.example";

        await Smtp().SendAsync(new EmailMessage(to, "Fabrikam Admin", "Plain", "text", "<p>html</p>"), "plain/" + to, CancellationToken.None);

        var email = await Maildev.WaitForMessageAsync(to, timeout: TimeSpan.FromSeconds(20));
        Assert.Equal("Fabrikam Admin", email.To[0].Name);
    }

    [Theory]
    [InlineData(EncodedWordName, null)]
    [InlineData("Fabrikam =?x", null)]
    [InlineData("Fabrikam Admin", "Fabrikam Admin")]
    public async Task Acs_gets_no_display_name_that_could_be_decoded_as_an_encoded_word(string name, string? sent)
    {
        await using var acs = await FakeAcsServer.StartAsync();
        var sender = new AcsEmailSender(
            new EmailOptions
            {
                Provider = EmailProvider.Acs,
                SenderAddress = "DoNotReply@tier2.test.example",
                AcsEndpoint = acs.Endpoint,
                AcsAccessKey = FakeAcsServer.AccessKey,
                AcsPollInterval = TimeSpan.FromMilliseconds(200),
                AcsMaxPollDuration = TimeSpan.FromSeconds(30),
            },
            TimeProvider.System,
            NullLogger<AcsEmailSender>.Instance,
            credential: null,
            transport: null);

        await sender.SendAsync(new EmailMessage("reseller@fabrikam.example", name, "Hello", "text", "<p>html</p>"), "acs-name/" + Guid.NewGuid(), CancellationToken.None);

        var recipient = JsonNode.Parse(acs.Requests.First(r => r.Method == "POST").Body)!["recipients"]!["to"]![0]!;
        Assert.Equal("reseller@fabrikam.example", (string?)recipient["address"]);
        Assert.Equal(sent, (string?)recipient["displayName"]);
    }
}
