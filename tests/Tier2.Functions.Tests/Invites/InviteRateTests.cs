using Microsoft.Extensions.Options;
using Tier2.Functions.Email;
using Tier2.Functions.Invites;

namespace Tier2.Functions.Tests.Invites;

/// <summary>An Azure-managed email domain sends 5 emails a minute: the invite rate may not promise more.</summary>
public sealed class InviteRateTests
{
    private static ValidateOptionsResult Validate(int perMinute, EmailProvider provider, string sender) =>
        new InviteOptionsValidator(Options.Create(new EmailOptions { Provider = provider, SenderAddress = sender }))
            .Validate(null, new InviteOptions { CreatePerMinute = perMinute });

    [Fact]
    public void An_invite_rate_above_what_an_azure_managed_domain_sends_fails_start_up_naming_the_setting()
    {
        var result = Validate(30, EmailProvider.Acs, "DoNotReply@0b1c2d3e-aaaa-bbbb-cccc-0123456789ab.azurecomm.net");

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("'Invites__CreatePerMinute' is 30", StringComparison.Ordinal) && f.Contains("5 emails a minute", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(5, EmailProvider.Acs, "DoNotReply@0b1c2d3e-aaaa-bbbb-cccc-0123456789ab.azurecomm.net")]
    [InlineData(30, EmailProvider.Acs, "DoNotReply@mail.contoso.example")]
    [InlineData(30, EmailProvider.Smtp, "partners@contoso.example")]
    public void An_invite_rate_the_sender_can_send_is_accepted(int perMinute, EmailProvider provider, string sender) =>
        Assert.True(Validate(perMinute, provider, sender).Succeeded);
}
