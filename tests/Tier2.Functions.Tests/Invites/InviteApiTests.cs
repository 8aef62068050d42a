using System.Net.Http.Headers;
using Tier2.Functions.Auth;
using Tier2.Functions.Invites;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Invites;

public sealed class InviteApiTests : AppTest
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Invites:ResendCooldown"] = "00:00:02";
        settings["Invites:CreatePerMinute"] = "1000";
    }

    private static string NewEmail() => $"reseller-{Guid.NewGuid():N}@fabrikam.example";

    private static string NewMpn() => Random.Shared.NextInt64(1_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(HttpResponseMessage Response, InviteView Body)> CreateAsync(object body, string? idempotencyKey = null)
    {
        var response = await SendCreateAsync(body, idempotencyKey);
        return (response, await response.ReadAsync<InviteView>());
    }

    private async Task<HttpResponseMessage> SendCreateAsync(object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/resellers/invites") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Provider.SendAsync(request);
    }

    private async Task<InviteView> GetInviteAsync(string id) => await Provider.GetAsync<InviteView>($"/api/resellers/invites/{id}");

    [Fact]
    public async Task A_draft_invite_answers_202_with_location_and_the_draft_for_the_portal()
    {
        var email = NewEmail();
        var (response, body) = await CreateAsync(new { email, companyName = "Fabrikam", message = "Let's work together", delivery = "draft" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/resellers/invites/{body.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(InviteStatus.Pending, body.Status);
        var draft = body.Draft!;
        var link = draft.Link;
        Assert.StartsWith("http://tier2.test.example/api/invite/", link, StringComparison.Ordinal);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", link[(link.LastIndexOf('/') + 1)..]);
        Assert.Contains(link, draft.PlainText, StringComparison.Ordinal);
        Assert.Contains("Let&#x27;s work together", draft.Html, StringComparison.Ordinal);
        var mailto = draft.MailTo;
        Assert.StartsWith($"mailto:{email}?subject=", mailto, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString(link), mailto, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_link_is_built_from_the_public_base_url_even_when_the_host_header_says_otherwise()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/resellers/invites") { Content = JsonContent.Create(new { email = NewEmail(), delivery = "draft" }) };
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        using var response = await Provider.SendAsync(request);
        var body = await response.ReadAsync<InviteView>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var link = body.Draft!.Link;
        Assert.StartsWith("http://tier2.test.example/api/invite/", link, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", body.Draft!.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"delivery":"draft"}""", "email")]
    [InlineData("""{"email":"not-an-address","delivery":"draft"}""", "email")]
    [InlineData("""{"email":"a@b.example"}""", "delivery")]
    [InlineData("""{"email":"a@b.example","delivery":"carrier-pigeon"}""", "delivery")]
    [InlineData("""{"email":"a@b.example","delivery":"0"}""", "delivery")]
    [InlineData("""{"email":"a@b.example","delivery":" draft"}""", "delivery")]
    public async Task Invalid_input_answers_400_naming_the_field(string json, string field)
    {
        using var response = await Provider.PostAsync(new Uri("/api/resellers/invites", UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.ReadProblemAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:tier2:problem:validation", problem.Type);
        Assert.True(problem.Errors.ContainsKey(field));
    }

    [Fact]
    public async Task A_second_invite_to_an_address_with_a_live_invite_answers_409_naming_the_existing_one()
    {
        var email = NewEmail();
        var (_, first) = await CreateAsync(new { email, delivery = "draft" });
        using var response = await SendCreateAsync(new { email = email.ToUpperInvariant(), delivery = "draft" });
        var problem = await response.ReadProblemAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(first.Id, problem.Extension<string>("existingInviteId"));
    }

    [Fact]
    public async Task The_same_idempotency_key_creates_one_invite()
    {
        var key = Guid.NewGuid().ToString();
        var email = NewEmail();
        var (r1, first) = await CreateAsync(new { email, delivery = "draft" }, key);
        var (r2, second) = await CreateAsync(new { email, delivery = "draft" }, key);

        Assert.Equal(HttpStatusCode.Accepted, r1.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, r2.StatusCode);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_a_different_request_is_refused_naming_the_header()
    {
        var key = Guid.NewGuid().ToString();
        var (first, _) = await CreateAsync(new { email = NewEmail(), delivery = "draft" }, key);
        using var second = await SendCreateAsync(new { email = NewEmail(), delivery = "draft" }, key);
        var problem = await second.ReadProblemAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.True(problem.Errors.ContainsKey("Idempotency-Key"));
    }

    [Fact]
    public async Task The_same_idempotency_key_from_another_admin_is_another_request()
    {
        var key = Guid.NewGuid().ToString();
        var email = NewEmail();
        var (_, mine) = await CreateAsync(new { email, delivery = "draft" }, key);
        using var other = new HttpClient { BaseAddress = App.Address };
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            App.Services.GetRequiredService<DevelopmentTokenIssuer>().Issue(Roles.ProviderAdmin, subject: "another-admin"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/resellers/invites") { Content = JsonContent.Create(new { email, delivery = "draft" }) };
        request.Headers.Add("Idempotency-Key", key);

        using var response = await other.SendAsync(request);
        var problem = await response.ReadProblemAsync();

        // Not a replay of the first admin's invite: a new request, refused because the address has a live invite.
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(mine.Id, problem.Extension<string>("existingInviteId"));
    }

    [Fact]
    public async Task Accepting_a_draft_invite_makes_the_reseller_active_in_the_list_and_the_invite_accepted()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), companyName = "Fabrikam", delivery = "draft" });
        var link = invite.Draft!.Link;
        var mpn = NewMpn();
        using var page = new InvitePageClient(App.Address);

        var (response, html) = await page.SubmitAsync(link, "accept", InvitePageClient.ValidAcceptance(mpn));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Partnership accepted", html, StringComparison.Ordinal);
        var id = invite.Id;
        var accepted = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Completed", what: "the invite orchestration");
        Assert.Equal(InviteStatus.Accepted, accepted.Status);
        var resellers = await Provider.GetAsync<Page<Reseller>>($"/api/resellers?search={mpn}");
        var reseller = Assert.Single(resellers.Items);
        Assert.Equal(ResellerStatus.Active, reseller.Status);
        Assert.Equal(accepted.ResellerId, reseller.Id);
    }

    [Fact]
    public async Task A_company_name_with_characters_table_keys_refuse_is_accepted_and_searchable()
    {
        var (_, invite) = await CreateAsync(new { email = $"odd#{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var fields = InvitePageClient.ValidAcceptance(NewMpn());
        var name = $"A/B #{Guid.NewGuid():N}? Services";
        fields["companyName"] = name;
        using var page = new InvitePageClient(App.Address);

        var (response, _) = await page.SubmitAsync(invite.Draft!.Link, "accept", fields);
        var found = await Provider.GetAsync<Page<Reseller>>($"/api/resellers?search={Uri.EscapeDataString(name[..8])}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(found.Items, r => r.CompanyName == name);
    }

    [Fact]
    public async Task A_double_submit_creates_one_reseller()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var link = invite.Draft!.Link;
        var mpn = NewMpn();
        using var page = new InvitePageClient(App.Address);
        var (_, html) = await page.OpenAsync(link);
        var af = System.Text.RegularExpressions.Regex.Match(html, "name=\"__af\" value=\"([^\"]+)\"").Groups[1].Value;

        var results = await Task.WhenAll(
            page.SubmitAsync(link, "accept", InvitePageClient.ValidAcceptance(mpn), af),
            page.SubmitAsync(link, "accept", InvitePageClient.ValidAcceptance(mpn), af));

        Assert.Contains(results, r => r.Response.StatusCode == HttpStatusCode.OK);
        var resellers = await Provider.GetAsync<Page<Reseller>>($"/api/resellers?search={mpn}");
        Assert.Single(resellers.Items);
    }

    [Fact]
    public async Task An_mpn_id_already_partnered_is_refused_on_the_page_keeping_what_was_typed()
    {
        var mpn = NewMpn();
        var (_, first) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);
        await page.SubmitAsync(first.Draft!.Link, "accept", InvitePageClient.ValidAcceptance(mpn));

        var (_, second) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var fields = InvitePageClient.ValidAcceptance(mpn);
        fields["companyName"] = "Second Company Ltd";
        var (response, html) = await page.SubmitAsync(second.Draft!.Link, "accept", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("already partnered", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Second Company Ltd\"", html, StringComparison.Ordinal);
        Assert.Equal(InviteStatus.Pending, (await GetInviteAsync(second.Id)).Status);
    }

    [Fact]
    public async Task Invalid_fields_are_explained_on_the_page_and_nothing_typed_is_lost()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);
        var fields = new Dictionary<string, string>
        {
            ["companyName"] = "Typed <Company>",
            ["mpnId"] = "12ab",
            ["tenantId"] = "not-a-guid",
            ["contactName"] = "Ann",
            ["contactEmail"] = "ann@",
        };

        var (response, html) = await page.SubmitAsync(invite.Draft!.Link, "accept", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("1 to 10 digits", html, StringComparison.Ordinal);
        Assert.Contains("tenant ID", html, StringComparison.Ordinal);
        Assert.Contains("contact email address", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Typed &lt;Company&gt;\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"12ab\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declining_marks_the_invite_declined_and_creates_no_reseller()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);

        var (response, html) = await page.SubmitAsync(invite.Draft!.Link, "decline");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Invitation declined", html, StringComparison.Ordinal);
        var id = invite.Id;
        var declined = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Completed");
        Assert.Equal(InviteStatus.Declined, declined.Status);
        Assert.Null(declined.ResellerId);
    }

    [Fact]
    public async Task Resend_rotates_the_token_so_the_old_link_is_dead_and_the_new_one_works()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var id = invite.Id;
        var oldLink = invite.Draft!.Link;
        await Task.Delay(TimeSpan.FromSeconds(2.2));

        using var resend = await Provider.PostAsync(new Uri($"/api/resellers/invites/{id}/resend", UriKind.Relative), null);
        var resent = await resend.ReadAsync<InviteView>();

        Assert.Equal(HttpStatusCode.OK, resend.StatusCode);
        var newLink = resent.Draft!.Link;
        Assert.NotEqual(oldLink, newLink);
        Assert.Equal(1, resent.ResendCount);
        using var page = new InvitePageClient(App.Address);
        Assert.Equal(HttpStatusCode.Gone, (await page.OpenAsync(oldLink)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await page.OpenAsync(newLink)).Response.StatusCode);
    }

    [Fact]
    public async Task Resending_an_invite_whose_orchestration_is_gone_starts_it_again()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var id = invite.Id;
        var instanceId = invite.OrchestrationId;
        await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Running");
        using (await Provider.PostAsJsonAsync(new Uri($"/api/orchestrations/{instanceId}/terminate", UriKind.Relative), new { reason = "lost" }))
        {
        }

        await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Terminated");
        using (await Provider.DeleteAsync(new Uri($"/api/orchestrations/{instanceId}", UriKind.Relative)))
        {
        }

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var resend = await Provider.PostAsync(new Uri($"/api/resellers/invites/{id}/resend", UriKind.Relative), null);
        var link = (await resend.ReadAsync<InviteView>()).Draft!.Link;
        await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Running");
        using var page = new InvitePageClient(App.Address);
        await page.SubmitAsync(link, "decline");

        var declined = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Completed");
        Assert.Equal(InviteStatus.Declined, declined.Status);
    }

    [Fact]
    public async Task Resending_too_soon_answers_429_with_retry_after()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });

        using var response = await Provider.PostAsync(new Uri($"/api/resellers/invites/{invite.Id}/resend", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("urn:tier2:problem:rate-limited", (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task A_revoked_invite_link_gets_the_no_longer_valid_page_and_the_orchestration_ends()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var id = invite.Id;

        using var revoke = await Provider.PostAsync(new Uri($"/api/resellers/invites/{id}/revoke", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var page = new InvitePageClient(App.Address);
        var (response, html) = await page.OpenAsync(invite.Draft!.Link);
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("no longer valid", html, StringComparison.Ordinal);
        var revoked = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Completed");
        Assert.Equal(InviteStatus.Revoked, revoked.Status);
    }

    [Fact]
    public async Task Unknown_tampered_and_used_tokens_get_the_same_no_longer_valid_page()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var link = invite.Draft!.Link;
        using var page = new InvitePageClient(App.Address);
        var tampered = link[..^1] + (link[^1] == 'A' ? 'B' : 'A');
        await page.SubmitAsync(link, "decline");

        var pages = new[]
        {
            await page.OpenAsync("https://x/api/invite/" + new string('a', 43)),
            await page.OpenAsync("https://x/api/invite/short"),
            await page.OpenAsync(tampered),
            await page.OpenAsync(link),
        };

        foreach (var (response, html) in pages)
        {
            Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
            Assert.Contains("This invitation is no longer valid", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_expired_token_gets_the_no_longer_valid_page_and_the_invite_expires()
    {
        await using var app = await TestApp.StartAsync(s =>
        {
            s["Invites:Expiry"] = "00:01:00";
            s["Invites:ReminderAfter"] = "00:00:30";
        });
        using var provider = app.ClientAs();
        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = NewEmail(), delivery = "draft" });
        var invite = await created.ReadAsync<InviteView>();
        var id = invite.Id;

        var expired = await Eventually.UntilAsync(
            () => provider.GetAsync<InviteView>($"/api/resellers/invites/{id}"),
            i => i.Status == InviteStatus.Expired,
            TimeSpan.FromMinutes(3),
            "the expiry timer");

        Assert.Equal(InviteStatus.Expired, expired.Status);
        using var page = new InvitePageClient(app.Address);
        Assert.Equal(HttpStatusCode.Gone, (await page.OpenAsync(invite.Draft!.Link)).Response.StatusCode);
    }

    [Fact]
    public async Task The_page_sends_no_referrer_a_strict_csp_and_an_antiforgery_field()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);

        var (response, html) = await page.OpenAsync(invite.Draft!.Link);

        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("name=\"__af\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_antiforgery_cookie_is_secure_when_the_public_url_is_https()
    {
        await using var app = await TestApp.StartAsync(s => s["Tier2:PublicBaseUrl"] = "https://partners.contoso.example/api");
        using var provider = app.ClientAs();
        using var created = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = NewEmail(), delivery = "draft" });
        var link = (await created.ReadAsync<InviteView>()).Draft!.Link;

        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = app.Address };
        using var response = await raw.GetAsync(new Uri(new Uri(link).AbsolutePath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_field_is_refused()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);

        var (response, _) = await page.SubmitAsync(invite.Draft!.Link, "accept", InvitePageClient.ValidAcceptance(NewMpn()), antiforgery: "forged");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(InviteStatus.Pending, (await GetInviteAsync(invite.Id)).Status);
    }

    [Theory]
    [InlineData("POST", "/api/resellers/invites")]
    [InlineData("GET", "/api/resellers/invites")]
    [InlineData("GET", "/api/resellers/invites/x")]
    [InlineData("POST", "/api/resellers/invites/x/resend")]
    [InlineData("POST", "/api/resellers/invites/x/revoke")]
    [InlineData("GET", "/api/resellers")]
    [InlineData("GET", "/api/resellers/x")]
    [InlineData("POST", "/api/resellers/x/suspend")]
    [InlineData("POST", "/api/resellers/x/reactivate")]
    public async Task A_reseller_admin_token_cannot_call_theProvider_api(string method, string path)
    {
        using var reseller = App.ClientAs(Roles.ResellerAdmin, "some-reseller");
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { email = NewEmail(), delivery = "draft" });
        }

        using var response = await reseller.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Creating_invites_too_fast_answers_429_with_retry_after()
    {
        await using var app = await TestApp.StartAsync(s => s["Invites:CreatePerMinute"] = "2");
        using var provider = app.ClientAs();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await provider.PostAsJsonAsync(new Uri("/api/resellers/invites", UriKind.Relative), new { email = NewEmail(), delivery = "draft" });
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(last!.Headers.RetryAfter);
        last.Dispose();
    }

    [Fact]
    public async Task Suspending_and_reactivating_a_reseller_changes_its_status_and_if_match_guards_it()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        using var page = new InvitePageClient(App.Address);
        var mpn = NewMpn();
        await page.SubmitAsync(invite.Draft!.Link, "accept", InvitePageClient.ValidAcceptance(mpn));
        var id = invite.Id;
        var accepted = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Completed");
        var resellerId = accepted.ResellerId;

        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/resellers/{resellerId}/suspend");
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"datetime'2000-01-01T00%3A00%3A00.0000000Z'\"");
        using var staleResponse = await Provider.SendAsync(stale);
        using var suspend = await Provider.PostAsync(new Uri($"/api/resellers/{resellerId}/suspend", UriKind.Relative), null);
        var suspended = await Provider.GetAsync<Page<Reseller>>($"/api/resellers?status=Suspended&search={mpn}");
        using var reactivate = await Provider.PostAsync(new Uri($"/api/resellers/{resellerId}/reactivate", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.PreconditionFailed, staleResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        Assert.Single(suspended.Items);
        Assert.Equal(ResellerStatus.Active, (await reactivate.ReadAsync<Reseller>()).Status);
    }

    [Theory]
    [InlineData("""{"email":"a@b.example","companyName":"Fabrikam\r\nBcc: x@evil.example","delivery":"draft"}""", "companyName")]
    [InlineData("""{"email":"a@b.example","companyName":"Fab\nrikam","delivery":"email"}""", "companyName")]
    [InlineData("""{"email":"a@b.example","companyName":"Fab\u0000rikam","delivery":"draft"}""", "companyName")]
    [InlineData("""{"email":"a@b.example","companyName":"Fab\u2028rikam","delivery":"draft"}""", "companyName")]
    [InlineData("""{"email":"a@b.example","message":"Hello\u0007","delivery":"draft"}""", "message")]
    [InlineData("""{"email":"a@b.example\u0000","delivery":"draft"}""", "email")]
    public async Task Control_characters_in_an_invites_text_answer_400_naming_the_field(string json, string field)
    {
        using var response = await Provider.PostAsync(new Uri("/api/resellers/invites", UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.ReadProblemAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:tier2:problem:validation", problem.Type);
        Assert.Equal([field], problem.Errors.Keys.ToArray());
    }

    [Fact]
    public async Task A_multi_line_message_keeps_its_line_breaks()
    {
        var (response, invite) = await CreateAsync(new { email = NewEmail(), message = "Hello,\r\nlet us work together.\n\nAnn", delivery = "draft" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("Hello,\nlet us work together.\n\nAnn", invite.Message);
    }

    [Fact]
    public async Task A_line_break_in_the_company_or_contact_name_is_refused_on_the_page_and_nothing_is_saved()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var link = invite.Draft!.Link;
        var mpn = NewMpn();
        using var page = new InvitePageClient(App.Address);

        foreach (var (field, value) in new[] { ("companyName", "Fabrikam\r\nResellers"), ("contactName", "Ann\nContact"), ("contactName", "Ann\u0007"), ("companyName", "Fab\u2028rikam") })
        {
            var fields = InvitePageClient.ValidAcceptance(mpn);
            fields[field] = value;
            var (response, html) = await page.SubmitAsync(link, "accept", fields);
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{field}={value}: {(int)response.StatusCode} {html}");
            Assert.Contains($"<a href=\"#{field}\">", html, StringComparison.Ordinal);
        }

        // A NUL is refused by ASP.NET Core's form reader itself: the page says the form could not be read.
        var withNul = InvitePageClient.ValidAcceptance(mpn);
        withNul["contactName"] = "Ann\0";
        var (nulResponse, nulHtml) = await page.SubmitAsync(link, "accept", withNul);
        Assert.Equal(HttpStatusCode.BadRequest, nulResponse.StatusCode);
        Assert.Contains("This form could not be read", nulHtml, StringComparison.Ordinal);

        var resellers = await Provider.GetAsync<Page<Reseller>>($"/api/resellers?search={mpn}");
        Assert.Empty(resellers.Items);
        Assert.Equal(InviteStatus.Pending, (await GetInviteAsync(invite.Id)).Status);
    }

    [Fact]
    public async Task Losers_of_ten_concurrent_accepts_get_the_no_longer_valid_page_never_a_confirmation()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var link = invite.Draft!.Link;
        using var page = new InvitePageClient(App.Address);
        var (_, form) = await page.OpenAsync(link);
        var af = System.Text.RegularExpressions.Regex.Match(form, "name=\"__af\" value=\"([^\"]+)\"").Groups[1].Value;

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
        {
            var fields = InvitePageClient.ValidAcceptance(NewMpn());
            fields["companyName"] = $"Racer {i} Ltd";
            return page.SubmitAsync(link, "accept", fields, af);
        }));

        var winner = Assert.Single(results, r => r.Response.StatusCode == HttpStatusCode.OK);
        Assert.All(results.Where(r => r != winner), r =>
        {
            Assert.Equal(HttpStatusCode.Gone, r.Response.StatusCode);
            Assert.Contains("This invitation is no longer valid", r.Html, StringComparison.Ordinal);
            Assert.DoesNotContain("Thank you", r.Html, StringComparison.Ordinal);
        });
        var stored = await GetInviteAsync(invite.Id);
        var reseller = await Provider.GetAsync<Reseller>($"/api/resellers/{stored.ResellerId}");
        Assert.Contains($"Thank you. {reseller.CompanyName} is now", winner.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invite_link_with_control_characters_appended_gets_the_no_longer_valid_page()
    {
        var (_, invite) = await CreateAsync(new { email = NewEmail(), delivery = "draft" });
        var link = invite.Draft!.Link;
        using var page = new InvitePageClient(App.Address);

        // %00 never reaches the app: the server (Kestrel, under either host) refuses a path with NUL (README, "What the host answers").
        foreach (var suffix in new[] { "%0d%0a", "%01", "%20", "%7F", "%E2%80%A8", "%C3%28" })
        {
            var (response, html) = await page.OpenAsync(link + suffix);
            Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
            Assert.Contains("This invitation is no longer valid", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_invites_list_shows_each_orchestrations_status_as_the_invite_does()
    {
        var (_, created) = await CreateAsync(new { email = $"listed-{Guid.NewGuid():N}@fabrikam.example", delivery = "draft" });
        var id = created.Id;
        var detail = await Eventually.UntilAsync(() => GetInviteAsync(id), i => i.OrchestrationStatus == "Running");

        var list = await Provider.GetAsync<Page<InviteView>>("/api/resellers/invites?status=Pending");

        var listed = list.Items.Single(i => i.Id == id);
        Assert.Equal(detail.OrchestrationStatus, listed.OrchestrationStatus);
    }

    [Fact]
    public async Task Invite_view_wire_names_are_camelCase_and_stable()
    {
        // The one test that reads an invite as raw JSON: the others read InviteView, so this pins what clients see.
        using var created = await SendCreateAsync(new { email = NewEmail(), companyName = "Fabrikam", message = "Hello", delivery = "draft" });
        var invite = await created.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(
            ["id", "email", "companyName", "message", "delivery", "status", "createdAt", "createdBy", "expiresAt", "sentAt", "remindedAt", "respondedAt", "resendCount", "resellerId", "orchestrationId", "orchestrationStatus", "draft", "failureReason"],
            invite.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(["to", "subject", "plainText", "html", "link", "mailTo"], invite.GetProperty("draft").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("Draft", invite.GetProperty("delivery").GetString());
        Assert.Equal("Pending", invite.GetProperty("status").GetString());
        Assert.Equal("Pending", invite.GetProperty("orchestrationStatus").GetString());

        using var conflict = await SendCreateAsync(new { email = invite.GetProperty("email").GetString(), delivery = "draft" });
        var problem = await conflict.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(invite.GetProperty("id").GetString(), problem.GetProperty("existingInviteId").GetString());
    }
}
