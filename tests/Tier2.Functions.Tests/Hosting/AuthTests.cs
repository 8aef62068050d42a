using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tier2.Functions.Auth;
using Tier2.Functions.Health;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class AuthTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Mint(string? key = null, string audience = TestApp.Audience, string issuer = TestApp.Issuer, DateTime? expires = null, string role = Roles.ProviderAdmin)
    {
        var now = DateTime.UtcNow;
        var keyBytes = key is null ? Convert.FromBase64String(TestApp.SigningKey) : RandomNumberGenerator.GetBytes(32);
        var end = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = end.AddHours(-2),
            NotBefore = end.AddHours(-2),
            Expires = end,
            Claims = new Dictionary<string, object> { ["sub"] = "tester", ["roles"] = new[] { role } },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(keyBytes), SecurityAlgorithms.HmacSha256),
        });
    }

    private async Task<HttpResponseMessage> CallAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/offers");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _app.Client.SendAsync(request);
    }

    private static async Task AssertUnauthorizedProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadProblemAsync();
        Assert.Equal("urn:tier2:problem:unauthorized", problem.Type);
    }

    [Fact]
    public async Task A_valid_provider_admin_token_is_accepted()
    {
        using var response = await CallAsync(Mint());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_request_without_a_token_gets_401_problem_details()
    {
        using var response = await CallAsync(null);
        await AssertUnauthorizedProblemAsync(response);
    }

    [Fact]
    public async Task An_expired_token_gets_401()
    {
        using var response = await CallAsync(Mint(expires: DateTime.UtcNow.AddMinutes(-5)));
        await AssertUnauthorizedProblemAsync(response);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_gets_401()
    {
        using var response = await CallAsync(Mint(key: "other"));
        await AssertUnauthorizedProblemAsync(response);
    }

    [Fact]
    public async Task A_token_for_another_audience_gets_401()
    {
        using var response = await CallAsync(Mint(audience: "api://someone-else"));
        await AssertUnauthorizedProblemAsync(response);
    }

    [Fact]
    public async Task A_token_from_another_issuer_gets_401()
    {
        using var response = await CallAsync(Mint(issuer: "https://evil.example"));
        await AssertUnauthorizedProblemAsync(response);
    }

    [Fact]
    public async Task A_reseller_admin_token_without_a_reseller_id_is_forbidden()
    {
        using var response = await CallAsync(Mint(role: Roles.ResellerAdmin));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Health_and_the_openapi_document_are_anonymous()
    {
        using var health = await _app.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
        using var openApi = await _app.Client.GetAsync(new Uri("/api/openapi.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var document = await OpenApiDocuments.LoadAsync(await openApi.Content.ReadAsByteArrayAsync());
        Assert.True(document.Paths.ContainsKey("/api/health"));
    }

    [Fact]
    public async Task Health_reports_every_storage_service_reachable()
    {
        var report = await _app.Client.GetAsync<HealthReport>("/api/health");
        Assert.Equal("Healthy", report.Status);
        Assert.Equal("standalone", report.Mode);
        foreach (var state in new[] { report.Storage.Tables, report.Storage.Queues, report.Storage.Blobs })
        {
            Assert.Equal("reachable", state);
        }
    }
}
