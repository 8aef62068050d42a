using Tier2.Functions.Invites;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Invites;

/// <summary>What resellers and the provider receive, read back from maildev.</summary>
public sealed class InviteEmailTests
{
    [Fact]
    public async Task User_supplied_values_arrive_as_text_not_markup()
    {
        await using var app = await TestApp.StartAsync();
        using var provider = app.ClientAs();
        var email = $"x-{Guid.NewGuid():N}@fabrikam.example";

        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative),
            new { email, companyName = "<script>alert('co')</script>", message = "<img src=x onerror=alert(1)><script>alert('m')</script>", delivery = "email" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);

        var message = await Maildev.WaitForMessageAsync(email);
        var html = message.Html;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<script>alert('m')</script>", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reminder_goes_out_when_the_reseller_has_not_answered_by_the_reminder_time()
    {
        await using var app = await TestApp.StartAsync(s =>
        {
            s["Invites:ReminderAfter"] = "00:00:03";
            s["Invites:Expiry"] = "01:00:00";
        });
        using var provider = app.ClientAs();
        var email = $"r-{Guid.NewGuid():N}@fabrikam.example";
        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email, delivery = "email" });
        var id = (await created.ReadAsync<InviteView>()).Id;

        var reminder = await Maildev.WaitForMessageAsync(email, m => m.Subject.StartsWith("Reminder", StringComparison.Ordinal));
        var invite = await Eventually.UntilAsync(
            () => provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.RemindedAt is not null);

        Assert.Contains("/api/invite/", reminder.Text, StringComparison.Ordinal);
        Assert.Equal(InviteStatus.Pending, invite.Status);
        Assert.Equal(2, (await Maildev.MessagesToAsync(email)).Count);
    }

    [Fact]
    public async Task The_request_correlation_id_follows_the_orchestration_into_the_email_it_sends()
    {
        await using var app = await TestApp.StartAsync();
        using var provider = app.ClientAs();
        var email = $"c-{Guid.NewGuid():N}@fabrikam.example";

        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email, delivery = "email" });
        var correlation = created.Headers.GetValues("X-Correlation-Id").Single();
        var message = await Maildev.WaitForMessageAsync(email);

        Assert.Matches("^[0-9a-f]{32}$", correlation);
        var headers = message.Headers;
        Assert.Equal(correlation, headers["x-tier2-correlation-id"].GetString());
    }

    [Fact]
    public async Task An_invite_accepted_after_its_reminder_still_activates_the_reseller()
    {
        await using var app = await TestApp.StartAsync(s =>
        {
            s["Invites:ReminderAfter"] = "00:00:02";
            s["Invites:Expiry"] = "01:00:00";
        });
        using var provider = app.ClientAs();
        var email = $"late-{Guid.NewGuid():N}@fabrikam.example";
        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email, delivery = "email" });
        var id = (await created.ReadAsync<InviteView>()).Id;
        var reminder = await Maildev.WaitForMessageAsync(email, m => m.Subject.StartsWith("Reminder", StringComparison.Ordinal));
        var link = System.Text.RegularExpressions.Regex.Match(reminder.Text, @"https?://\S+/api/invite/[A-Za-z0-9_-]{43}").Value;
        await Eventually.UntilAsync(
            () => provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.RemindedAt is not null);

        using var page = new InvitePageClient(app.Address);
        var (response, _) = await page.SubmitAsync(link, "accept", InvitePageClient.ValidAcceptance(Random.Shared.NextInt64(1_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var invite = await Eventually.UntilAsync(
            () => provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.OrchestrationStatus == "Completed",
            what: "the orchestration to finish after a late acceptance");
        var reseller = await provider.GetAsync<Reseller>($"/api/resellers/{invite.ResellerId}");
        Assert.Equal(ResellerStatus.Active, reseller.Status);
    }

    [Fact]
    public async Task A_draft_invite_sends_no_email()
    {
        await using var app = await TestApp.StartAsync();
        using var provider = app.ClientAs();
        var email = $"d-{Guid.NewGuid():N}@fabrikam.example";
        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email, delivery = "draft" });
        var id = (await created.ReadAsync<InviteView>()).Id;

        var invite = await Eventually.UntilAsync(
            () => provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.OrchestrationStatus == "Running");

        Assert.Null(invite.SentAt);
        Assert.Empty(await Maildev.MessagesToAsync(email));
    }
}
