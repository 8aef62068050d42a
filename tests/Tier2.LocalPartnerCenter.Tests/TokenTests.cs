using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter.Tests;

public sealed class TokenTests
{
    [Fact]
    public async Task Redeeming_a_refresh_token_returns_a_new_one_and_the_old_one_keeps_working()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        string original = pc.IssueRefreshToken().RefreshToken;

        TokenResponse first = await caller.RedeemAsync("refresh_token", ("refresh_token", original), ("scope", "openid"));
        TokenResponse again = await caller.RedeemAsync("refresh_token", ("refresh_token", original));

        Assert.Equal("Bearer", first.TokenType);
        Assert.Equal("3599", first.ExpiresIn);
        Assert.Equal("user_impersonation", first.Scope);
        Assert.NotNull(first.IdToken);
        Assert.NotEqual(original, first.RefreshToken);
        Assert.NotEqual(first.RefreshToken, again.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await caller.PostTokenAsync("refresh_token", ("refresh_token", first.RefreshToken!))).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_past_its_lifetime_is_refused_with_AADSTS700082()
    {
        FakeTimeProvider clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { TimeProvider = clock });
        using PartnerCenterCaller caller = new(pc);
        string token = pc.IssueRefreshToken().RefreshToken;

        clock.Advance(TimeSpan.FromDays(90));
        using HttpResponseMessage response = await caller.PostTokenAsync("refresh_token", ("refresh_token", token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        TokenError error = (await response.Content.ReadFromJsonAsync(PartnerCenterJson.Default.TokenError))!;
        Assert.Equal("invalid_grant", error.Error);
        Assert.StartsWith("AADSTS700082:", error.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_refused_as_invalid_grant()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        string token = pc.IssueRefreshToken().RefreshToken;

        Assert.Equal(1, pc.RevokeRefreshTokens(token));
        using HttpResponseMessage response = await caller.PostTokenAsync("refresh_token", ("refresh_token", token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", (await response.Content.ReadFromJsonAsync(PartnerCenterJson.Default.TokenError))!.Error);
    }

    [Fact]
    public async Task Authorize_redirects_with_a_code_that_redeems_only_with_the_matching_PKCE_verifier()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        string verifier = "a-verifier-of-at-least-forty-three-characters-long-0123456789";
        string challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Uri code1 = await AuthorizeAsync(caller, pc, challenge);
        Uri code2 = await AuthorizeAsync(caller, pc, challenge);
        using HttpResponseMessage wrong = await caller.PostTokenAsync("authorization_code", ("code", Code(code1)), ("code_verifier", verifier + "x"),
            ("redirect_uri", "https://tier2.local/api/partner-center/callback"));
        TokenResponse right = await caller.RedeemAsync("authorization_code", ("code", Code(code2)), ("code_verifier", verifier),
            ("redirect_uri", "https://tier2.local/api/partner-center/callback"));

        Assert.Contains("state=s1", code1.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.NotNull(right.RefreshToken);
    }

    private static async Task<Uri> AuthorizeAsync(PartnerCenterCaller caller, LocalPartnerCenter pc, string challenge)
    {
        using HttpResponseMessage response = await caller.Http.GetAsync(
            $"{pc.AuthorizeEndpoint}?client_id={pc.Options.ClientId}&response_type=code&redirect_uri={Uri.EscapeDataString("https://tier2.local/api/partner-center/callback")}" +
            $"&state=s1&code_challenge={challenge}&code_challenge_method=S256&response_mode=query");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    private static string Code(Uri redirect) =>
        Uri.UnescapeDataString(redirect.Query.TrimStart('?').Split('&').First(p => p.StartsWith("code=", StringComparison.Ordinal))["code=".Length..]);

    [Fact]
    public async Task An_app_only_token_is_refused_on_an_App_plus_User_operation_with_403()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        caller.UseToken((await caller.RedeemAsync("client_credentials")).AccessToken);

        using HttpResponseMessage relationships = await caller.SendAsync(HttpMethod.Get, "v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf");
        using HttpResponseMessage products = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");

        Assert.Equal(2032, (await PartnerCenterCaller.ReadAsync(relationships, HttpStatusCode.Forbidden, PartnerCenterJson.Default.ApiError)).Code);
        Assert.Equal(HttpStatusCode.OK, products.StatusCode);
    }

    [Fact]
    public async Task A_graph_audience_token_is_refused_with_401_and_900420()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        caller.UseToken((await caller.RedeemAsync("client_credentials", ("resource", "https://graph.windows.net"))).AccessToken);

        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");

        Assert.Equal(900420, (await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.Unauthorized, PartnerCenterJson.Default.ApiError)).Code);
    }

    [Fact]
    public async Task A_call_without_a_token_it_issued_is_401()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        caller.UseToken("eyJ.not.issued");

        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
