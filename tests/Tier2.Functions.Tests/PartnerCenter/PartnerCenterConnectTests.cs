using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;
using Tier2.Functions.Auth;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Tests.Infrastructure;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>Connecting an account through the app's HTTP API, with the local Partner Center's sign-in.</summary>
public sealed class PartnerCenterConnectTests
{
    [Fact]
    public async Task Connecting_through_the_api_stores_the_refresh_token_and_reports_the_account()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc, publicOnOwnPort: true);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.Address };
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.Token());

        // 1. Tier2 sends the browser to the authorize endpoint, with PKCE and a state.
        using var start = await browser.GetAsync(new Uri("api/partner-center/connect", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(pc.AuthorizeEndpoint.AbsoluteUri, authorize.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(PartnerCenterOptions.Resource, query["resource"]);
        Assert.Equal(new Uri(app.Address, "api/partner-center/connect/callback").AbsoluteUri, query["redirect_uri"]);

        // 2. The integration account signs in; Entra ID sends the browser back with a code.
        browser.DefaultRequestHeaders.Authorization = null;
        using var signedIn = await browser.GetAsync(authorize);
        Assert.True(signedIn.Headers.Location is not null, $"authorize answered {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        var callback = signedIn.Headers.Location!;
        Assert.StartsWith(app.Address.AbsoluteUri, callback.AbsoluteUri, StringComparison.Ordinal);

        // 3. The anonymous callback redeems the code and stores the refresh token.
        using var done = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains(pc.Options.IntegrationUserUpn, await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", done.Headers.GetValues("Referrer-Policy").Single());

        using var admin = app.ClientAs();
        var status = await admin.GetFromJsonAsync<PartnerCenterConnectionStatus>("api/partner-center/connection", PartnerCenterContractTests.Json);
        Assert.True(status!.Connected);
        Assert.Equal(pc.Options.IntegrationUserUpn, status.Account);
        Assert.StartsWith(Roles.ProviderAdmin + ":", status.ConnectedBy, StringComparison.Ordinal);
        Assert.InRange(status.LapsesAt!.Value, DateTimeOffset.UtcNow.AddDays(89), DateTimeOffset.UtcNow.AddDays(91));
        Assert.Null(status.Warning);
        // On the wire the mode is its name (a portal's generated client reads an enum of strings), never a number: read raw on purpose.
        Assert.Contains("\"mode\":\"Enabled\"", await admin.GetStringAsync("api/partner-center/connection"), StringComparison.Ordinal);

        // The stored token works: an App+User call goes through.
        await app.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();

        // The state was single use: the same callback again is refused.
        using var replay = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Equal(PartnerCenterProblems.ConnectFailed, (await replay.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task A_portal_asking_for_json_gets_the_authorize_url_instead_of_a_redirect()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        using var admin = app.ClientAs();
        admin.DefaultRequestHeaders.Accept.ParseAdd("application/json");

        var start = await admin.GetFromJsonAsync<PartnerCenterConnectStart>("api/partner-center/connect");

        Assert.StartsWith(pc.AuthorizeEndpoint.AbsoluteUri, start!.AuthorizeUrl.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_provider_admin_may_connect_or_read_the_connection()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        using var reseller = app.ClientAs(Roles.ResellerAdmin, "r1");

        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.GetAsync(new Uri("api/partner-center/connect", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.GetAsync(new Uri("api/partner-center/connection", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync(new Uri("api/partner-center/connect", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_callback_with_an_unknown_state_is_refused_and_stores_nothing()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);

        using var response = await app.Client.GetAsync(new Uri("api/partner-center/connect/callback?code=abc&state=forged", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await app.Services.GetRequiredService<PartnerCenterConnectionStore>().GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Without_partner_center_the_app_starts_and_connecting_answers_not_configured()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.ClientAs();

        using var connect = await admin.GetAsync(new Uri("api/partner-center/connect", UriKind.Relative));
        var status = await admin.GetFromJsonAsync<PartnerCenterConnectionStatus>("api/partner-center/connection", PartnerCenterContractTests.Json);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, connect.StatusCode);
        Assert.Equal(PartnerCenterProblems.NotConfigured, (await connect.ReadProblemAsync()).Type);
        Assert.Equal(PartnerCenterMode.Disabled, status!.Mode);
        Assert.False(status.Connected);
    }
}
