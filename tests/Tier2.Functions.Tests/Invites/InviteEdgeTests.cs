using System.Text;
using Tier2.Functions.Invites;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Invites;

/// <summary>Invites under hostile input and concurrency: cut forms, invisible names, racing creates with one key.</summary>
public sealed class InviteEdgeTests : AppTest
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Invites:CreatePerMinute"] = "1000";

    private static string NewEmail() => $"edge-{Guid.NewGuid():N}@fabrikam.example";

    private async Task<HttpResponseMessage> CreateAsync(object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/resellers/invites") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Provider.SendAsync(request);
    }

    private async Task<InviteView> CreateDraftAsync()
    {
        using var response = await CreateAsync(new { email = NewEmail(), delivery = "Draft" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InviteView>(JsonSerializerOptions.Web))!;
    }

    [Fact]
    public async Task A_multipart_form_cut_short_answers_400_with_the_page_not_a_500()
    {
        var invite = await CreateDraftAsync();
        const string boundary = "tier2-cut";
        var cut = $"--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\naccept\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"companyName\"\r\n\r\nFabri";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(cut));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");

        using var response = await App.Client.PostAsync(new Uri(InvitePageClient.PathOf(invite.Draft!.Link), UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This form could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Twenty_concurrent_identical_creates_with_one_key_replay_one_invite_and_send_one_email()
    {
        var email = NewEmail();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CreateAsync(new { email, companyName = "Race Co", delivery = "Email" }, key)));

        var bodies = new List<string>();
        foreach (var response in responses)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            bodies.Add(body);
            response.Dispose();
        }

        var invites = bodies.Select(b => JsonSerializer.Deserialize<InviteView>(b, JsonSerializerOptions.Web)!).ToList();
        Assert.Single(invites.Select(i => i.Id).Distinct());
        Assert.Single(invites.Select(i => (i.Email, i.CompanyName, i.Status, i.CreatedAt, i.ExpiresAt)).Distinct());
        var listed = await Provider.GetFromJsonAsync<Tier2.Functions.Storage.Page<InviteView>>(new Uri("/api/resellers/invites?pageSize=100", UriKind.Relative), JsonSerializerOptions.Web);
        Assert.Single(listed!.Items, i => i.Email == email);
        await Maildev.WaitForMessageAsync(email);
        await Eventually.UntilAsync(
            () => Provider.GetFromJsonAsync<InviteView>(new Uri($"/api/resellers/invites/{invites[0].Id}", UriKind.Relative), JsonSerializerOptions.Web),
            i => i!.SentAt is not null,
            what: "the invite marked sent");
        Assert.Single(await Maildev.MessagesToAsync(email));
    }

    [Theory]
    [InlineData("companyName", "\u200B\u200B")]
    [InlineData("companyName", "Fabrikam\u200D")]
    [InlineData("companyName", "\uFEFFFabrikam")]
    [InlineData("companyName", "Fab\u202Erikam")]
    [InlineData("companyName", "Fab\u2066rikam\u2069")]
    [InlineData("companyName", "\u2060")]
    [InlineData("companyName", "\u3164")]
    [InlineData("companyName", "Fab\U000E0041rikam")]
    [InlineData("message", "Hello\u202Eolleh")]
    [InlineData("message", "Hi\u200B")]
    [InlineData("email", "a\u200B@fabrikam.example")]
    public async Task Invisible_or_direction_changing_characters_in_an_invite_answer_400_naming_the_field(string field, string value)
    {
        var body = new Dictionary<string, string> { ["email"] = NewEmail(), ["delivery"] = "Draft", [field] = value };

        using var response = await CreateAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal("urn:tier2:problem:validation", problem!.Type);
        Assert.Equal([field], problem.Errors.Keys.ToArray());
    }

    [Fact]
    public async Task Names_of_invisible_or_direction_changing_characters_are_refused_on_the_page_and_nothing_is_saved()
    {
        var invite = await CreateDraftAsync();
        var mpn = Random.Shared.NextInt64(1_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var page = new InvitePageClient(App.Address);

        foreach (var (field, value) in new[] { ("companyName", "\u200B\u200C\u200D"), ("contactName", "\u2060\uFEFF"), ("companyName", "Fab\u202Erikam"), ("contactName", "Ann\u2067") })
        {
            var fields = InvitePageClient.ValidAcceptance(mpn);
            fields[field] = value;
            var (response, html) = await page.SubmitAsync(invite.Draft!.Link, "accept", fields);
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{field}: {(int)response.StatusCode}");
            Assert.Contains($"<a href=\"#{field}\">", html, StringComparison.Ordinal);
        }

        var stored = await Provider.GetFromJsonAsync<InviteView>(new Uri($"/api/resellers/invites/{invite.Id}", UriKind.Relative), JsonSerializerOptions.Web);
        Assert.Equal(InviteStatus.Pending, stored!.Status);
    }

    [Fact]
    public async Task Visible_text_in_any_script_is_accepted()
    {
        // Visible text in any script is fine: the rule is about characters that hide or reorder, not about scripts.
        using var response = await CreateAsync(new { email = NewEmail(), companyName = "Société Générale 株式会社 شركة", delivery = "Draft" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
