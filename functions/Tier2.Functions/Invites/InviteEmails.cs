using Microsoft.Extensions.Options;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Invites;

/// <summary>A composed email: its subject and both bodies.</summary>
public sealed record ComposedEmail(string Subject, EmailContent Content)
{
    public EmailMessage ToMessage(string to, string? toName) => Content.ToMessage(to, toName, Subject);
}

/// <summary>
/// The partnership emails, in the provider's name. Every value a user typed is encoded by the content builder.
/// Links are built from <c>Tier2__PublicBaseUrl</c>, never from a request's Host header.
/// </summary>
public sealed class InviteEmails(IOptions<AppOptions> options)
{
    private AppOptions App => options.Value;

    public Uri Link(string token) => new($"{App.PublicBaseUrl!.AbsoluteUri.TrimEnd('/')}/{InvitePage.LinkPath(token)}");

    public ComposedEmail Invitation(Invite invite, Uri link)
    {
        var subject = $"{App.ProviderName} invites you to partner as an indirect reseller";
        var builder = new EmailContentBuilder()
            .Preheader($"Accept the partnership request from {App.ProviderName}.")
            .Heading(subject)
            .Paragraph(invite.CompanyName is null
                ? $"Hello,\n{App.ProviderName} would like to work with you as an indirect reseller in the Microsoft Cloud Solution Provider program."
                : $"Hello {invite.CompanyName},\n{App.ProviderName} would like to work with you as an indirect reseller in the Microsoft Cloud Solution Provider program.");
        if (invite.Message is not null)
        {
            builder.Quote(invite.Message, $"{App.ProviderName} wrote:");
        }

        builder
            .Paragraph($"Once you accept, {App.ProviderName} can add new customers on your behalf, submit orders for them, associate you with subscriptions so you can manage them and earn incentives, and name you as support contact.")
            .Button("Review and accept the partnership", link)
            .Paragraph($"This link is personal to {invite.Email}, works once, and expires on {invite.ExpiresAt.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}.")
            .Footer($"You must be enrolled as an indirect reseller in the CSP program with a Partner Center account. If you did not expect this email, you can ignore it. Questions: {App.ProviderEmail}.");
        return new ComposedEmail(subject, builder.Build());
    }

    public ComposedEmail Reminder(Invite invite, Uri link)
    {
        var subject = $"Reminder: {App.ProviderName} is waiting for your answer";
        var content = new EmailContentBuilder()
            .Heading(subject)
            .Paragraph($"{App.ProviderName} invited you to partner as an indirect reseller. The invitation expires on {invite.ExpiresAt.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}.")
            .Button("Review the partnership request", link)
            .Footer($"Sent to {invite.Email}. If you are not interested, open the link and choose Decline.")
            .Build();
        return new ComposedEmail(subject, content);
    }

    public ComposedEmail Welcome(Reseller reseller)
    {
        var subject = $"Welcome: you are now an indirect reseller partner of {App.ProviderName}";
        var content = new EmailContentBuilder()
            .Heading(subject)
            .Paragraph($"Hello {reseller.ContactName},\nthank you for accepting the partnership. {reseller.CompanyName} (PartnerID {reseller.MpnId}) now appears in {App.ProviderName}'s indirect resellers list.")
            .Paragraph($"{App.ProviderName} can now add customers on your behalf and associate you with their subscriptions, so you can manage them and earn incentives.")
            .Footer($"Questions about the partnership: {App.ProviderEmail}.")
            .Build();
        return new ComposedEmail(subject, content);
    }

    public ComposedEmail ProviderNotice(Reseller reseller)
    {
        var subject = $"{reseller.CompanyName} accepted your partnership request";
        var content = new EmailContentBuilder()
            .Heading(subject)
            .Paragraph($"{reseller.CompanyName} (PartnerID {reseller.MpnId}, tenant {reseller.TenantId}) accepted the invitation sent to {reseller.InvitedEmail}. Contact: {reseller.ContactName} <{reseller.ContactEmail}>.")
            .Paragraph(reseller.Status == ResellerStatus.AwaitingPartnerCenter
                ? $"The reseller waits for Partner Center: {reseller.AwaitingReason} Tier2 links it when its sync finds it; until then no orders can be placed for it."
                : "The reseller is now Active in the indirect resellers list: you can add customers on its behalf and associate it with subscriptions.")
            .Footer($"Sent by Tier2 for {App.ProviderName}.")
            .Build();
        return new ComposedEmail(subject, content);
    }

    /// <summary>To a reseller that accepted while Partner Center does not list it (or its agreement is unsigned): what to do there.</summary>
    public ComposedEmail AwaitingPartnerCenter(Reseller reseller)
    {
        var subject = $"One more step in Partner Center to partner with {App.ProviderName}";
        var content = new EmailContentBuilder()
            .Heading(subject)
            .Paragraph($"Hello {reseller.ContactName},\nthank you for accepting the partnership. Before {App.ProviderName} can order for {reseller.CompanyName} (PartnerID {reseller.MpnId}), Partner Center must list you as {App.ProviderName}'s indirect reseller with the Microsoft Partner Agreement signed.")
            .Paragraph(reseller.AwaitingReason ?? Reseller.NotListedReason)
            .Paragraph($"1. Sign in to Partner Center as an administrator of {reseller.CompanyName}, open the indirect provider's request from {App.ProviderName} and accept it.\n2. Make sure the Microsoft Partner Agreement is signed (Settings > Account settings > Agreements).")
            .Paragraph($"Tier2 checks Partner Center regularly and emails you when the partnership is active. Nothing else is needed from you.")
            .Footer($"Questions about the partnership: {App.ProviderEmail}.")
            .Build();
        return new ComposedEmail(subject, content);
    }

    /// <summary>The draft for "Open in email" (a <c>mailto:</c> URL) and "Copy to clipboard".</summary>
    public InviteDraft Draft(Invite invite, Uri link)
    {
        var email = Invitation(invite, link);
        var mailto = $"mailto:{Uri.EscapeDataString(invite.Email).Replace("%40", "@", StringComparison.Ordinal)}?subject={Uri.EscapeDataString(email.Subject)}&body={Uri.EscapeDataString(email.Content.PlainText)}";
        return new InviteDraft(invite.Email, email.Subject, email.Content.PlainText, email.Content.Html, link.AbsoluteUri, mailto);
    }
}
