using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tier2.Functions.Invites;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Invites;

/// <summary>
/// The seed's "Connect with indirect resellers" end to end: a real email through maildev, its link opened in
/// headless Chromium (Debian's, driven by Playwright), the form filled in and submitted as a reseller would.
/// </summary>
public sealed partial class InviteBrowserTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private HttpClient _provider = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(publicOnOwnPort: true);
        _provider = _app.ClientAs();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("TIER2_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        _provider.Dispose();
        await _app.DisposeAsync();
    }

    private static string ArtifactsDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts", "e2e");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Sends an invite by email and returns the personalized link from the message maildev received.</summary>
    private async Task<(string InviteId, string Link)> InviteByEmailAsync(string email)
    {
        using var created = await _provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email, companyName = "Northwind Traders", message = "We'd love to work with you.", delivery = "email" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var invite = await created.ReadAsync<InviteView>();
        var message = await Maildev.WaitForMessageAsync(email, m => m.Subject.Contains("invites you", StringComparison.Ordinal));
        var link = InviteLink().Match(message.Text).Value;
        Assert.StartsWith(_app.Address.AbsoluteUri.TrimEnd('/') + "/api/invite/", link, StringComparison.Ordinal);
        Assert.Contains("We&#x27;d love to work with you.", message.Html, StringComparison.Ordinal);
        return (invite.Id, link);
    }

    private async Task<InviteView> WaitForInviteAsync(string id, InviteStatus status) =>
        await Eventually.UntilAsync(
            () => _provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.Status == status && i.OrchestrationStatus == "Completed",
            what: $"invite {id} to be {status}");

    [Fact]
    public async Task A_reseller_accepts_the_emailed_invite_in_a_browser_and_appears_active_in_the_resellers_list()
    {
        var email = $"owner-{Guid.NewGuid():N}@northwind.example";
        var contact = $"contact-{Guid.NewGuid():N}@northwind.example";
        var mpn = Random.Shared.NextInt64(100_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (inviteId, link) = await InviteByEmailAsync(email);

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var response = await page.GotoAsync(link);
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("invites you to partner");
        await Assertions.Expect(page.GetByText(email)).ToBeVisibleAsync();
        await page.GetByLabel("Company name").FillAsync("Northwind Traders");
        await page.GetByLabel("PartnerID (MPN ID)").FillAsync(mpn);
        await page.GetByLabel("Microsoft Entra tenant ID").FillAsync("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
        await page.GetByLabel("Contact name").FillAsync("Nancy Davolio");
        await page.GetByLabel("Contact email").FillAsync(contact);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory(), "invite-form.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Accept partnership" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Partnership accepted" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory(), "invite-accepted.png"), FullPage = true });

        var invite = await WaitForInviteAsync(inviteId, InviteStatus.Accepted);
        var resellers = await _provider.GetAsync<Page<Reseller>>($"/api/resellers?status=Active&search={mpn}");
        var reseller = Assert.Single(resellers.Items);
        Assert.Equal(invite.ResellerId, reseller.Id);
        Assert.Equal("Northwind Traders", reseller.CompanyName);
        var welcome = await Maildev.WaitForMessageAsync(contact, m => m.Subject.StartsWith("Welcome", StringComparison.Ordinal));
        Assert.Contains(mpn, welcome.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reseller_declines_the_emailed_invite_in_a_browser()
    {
        var email = $"owner-{Guid.NewGuid():N}@northwind.example";
        var (inviteId, link) = await InviteByEmailAsync(email);

        var page = await _browser.NewPageAsync();
        await page.GotoAsync(link);
        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Invitation declined" })).ToBeVisibleAsync();
        await WaitForInviteAsync(inviteId, InviteStatus.Declined);
    }

    [Fact]
    public async Task A_used_link_opens_the_no_longer_valid_page_in_a_browser()
    {
        var email = $"owner-{Guid.NewGuid():N}@northwind.example";
        var (_, link) = await InviteByEmailAsync(email);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(link);
        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Invitation declined" })).ToBeVisibleAsync();

        var again = await page.GotoAsync(link);

        Assert.Equal(410, again!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This invitation is no longer valid" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory(), "invite-no-longer-valid.png") });
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/api/invite/[A-Za-z0-9_-]{43}")]
    private static partial Regex InviteLink();
}
