using System.Text;
using Microsoft.AspNetCore.Mvc;
using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>The client's own logic, without a server: settings, links, error bodies, redaction, id_token, warnings.</summary>
public sealed class PartnerCenterUnitTests
{
    private static PartnerCenterOptions Enabled() => new()
    {
        Mode = PartnerCenterMode.Enabled,
        TenantId = "5d9bd1c6-6a2c-4b0b-9c44-3b7c8c1f0a11",
        ClientId = "00000000-0000-0000-0000-00000000c11e",
        ClientSecret = "secret",
    };

    [Fact]
    public void Disabled_needs_no_settings()
    {
        Assert.True(new PartnerCenterOptionsValidator().Validate(null, new PartnerCenterOptions()).Succeeded);
    }

    [Theory]
    [InlineData("ClientId", "PartnerCenter__ClientId")]
    [InlineData("ClientSecret", "PartnerCenter__ClientSecret")]
    [InlineData("TenantId", "PartnerCenter__TenantId")]
    [InlineData("BaseUrl", "PartnerCenter__BaseUrl")]
    [InlineData("TokenEndpoint", "PartnerCenter__TokenEndpoint")]
    [InlineData("KeyVaultUri", "PartnerCenter__KeyVaultUri")]
    [InlineData("Locale", "PartnerCenter__Locale")]
    public void Enabled_names_a_missing_or_malformed_setting(string property, string setting)
    {
        var options = Enabled();
        switch (property)
        {
            case "ClientId": options.ClientId = null; break;
            case "ClientSecret": options.ClientSecret = ""; break;
            case "TenantId": options.TenantId = "not a tenant"; break;
            case "BaseUrl": options.BaseUrl = "http://partner.example.com"; break;
            case "TokenEndpoint": options.TokenEndpoint = "ftp://login/{tenant}"; break;
            case "KeyVaultUri": options.KeyVaultUri = "http://vault.example"; break;
            default: options.Locale = "english please"; break;
        }

        var result = new PartnerCenterOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void Endpoints_take_the_tenant_in_place_of_the_placeholder()
    {
        var options = Enabled();
        Assert.True(new PartnerCenterOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("https://login.microsoftonline.com/5d9bd1c6-6a2c-4b0b-9c44-3b7c8c1f0a11/oauth2/token", options.TokenUri.AbsoluteUri);
    }

    [Theory]
    [InlineData("/customers?size=2&seekOperation=next", "http://127.0.0.1:5000/v1/customers?size=2&seekOperation=next")]
    [InlineData("customers?size=2", "http://127.0.0.1:5000/v1/customers?size=2")]
    [InlineData("/v1/customers?size=2", "http://127.0.0.1:5000/v1/customers?size=2")]
    [InlineData("https://api.partnercenter.microsoft.com/v1/customers?size=2", "http://127.0.0.1:5000/v1/customers?size=2")]
    [InlineData("/webhooks/v1/registration", "http://127.0.0.1:5000/webhooks/v1/registration")]
    public void Links_resolve_on_the_configured_base_url_with_v1(string link, string expected)
    {
        var options = Enabled();
        options.BaseUrl = "http://127.0.0.1:5000";
        var client = new PartnerCenterClient(new HttpClient(), Microsoft.Extensions.Options.Options.Create(options));

        Assert.Equal(expected, client.ResolveLink(link).AbsoluteUri);
    }

    [Theory]
    [InlineData(404, """{"code":2072,"description":"PartnerID of Indirect Provider isn't valid as Partner On Record","data":[],"source":"PartnerFD"}""", PartnerCenterErrorKind.PartnerOfRecordRefused, "2072")]
    [InlineData(403, """{"code":"900123","description":"MPA not accepted","source":"PartnerFD"}""", PartnerCenterErrorKind.PartnerAgreementNotAccepted, "900123")]
    [InlineData(400, """{"code":800090,"description":"Subscription quantity can't be decreased","source":"x"}""", PartnerCenterErrorKind.QuantityDecreaseNotAllowed, "800090")]
    [InlineData(404, """{"code":400019,"description":"Availability not found","source":"x"}""", PartnerCenterErrorKind.StaleCatalogItem, "400019")]
    [InlineData(400, """{"code":600049,"description":"Organization registration ID information is missing","source":"x"}""", PartnerCenterErrorKind.Refused, "600049")]
    [InlineData(503, "<html>gateway</html>", PartnerCenterErrorKind.Unavailable, null)]
    public void Error_bodies_become_their_kind_with_code_and_description(int status, string body, PartnerCenterErrorKind kind, string? code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/v1/customers/c/carts");
        request.Headers.TryAddWithoutValidation(PartnerCenterClient.CorrelationIdHeader, "11111111-2222-3333-4444-555555555555");
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        var error = PartnerCenterErrors.FromBody(request, response, Encoding.UTF8.GetBytes(body));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(code, error.Code);
        Assert.Equal("11111111-2222-3333-4444-555555555555", error.CorrelationId);
        Assert.DoesNotContain("<html>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_429_shape_becomes_throttled_with_its_retry_after()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/v1/customers");
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(57));

        var error = PartnerCenterErrors.FromBody(request, response, """{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds." }"""u8);

        Assert.Equal(PartnerCenterErrorKind.Throttled, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(57), error.RetryAfter);
        Assert.Equal("Rate limit is exceeded. Try again in 57 seconds.", error.Description);
    }

    [Fact]
    public void A_refusal_becomes_problem_details_with_a_stable_type_and_the_correlation_id()
    {
        var error = new PartnerCenterException(PartnerCenterErrorKind.PartnerOfRecordRefused, "refused", HttpStatusCode.NotFound, "2072", "PartnerID of Indirect Provider isn't valid as Partner On Record")
        {
            CorrelationId = "corr",
            RequestId = "req",
        };
        var problem = new ProblemDetails();
        var context = new DefaultHttpContext();

        PartnerCenterProblems.Apply(error, problem, context.Response);

        Assert.Equal("urn:tier2:problem:partner-center-partner-of-record-refused", problem.Type);
        Assert.Equal(422, problem.Status);
        Assert.Equal("2072", problem.Extensions["partnerCenterCode"]);
        Assert.Equal("corr", problem.Extensions["partnerCenterCorrelationId"]);
    }

    [Fact]
    public void A_throttle_answers_503_with_retry_after()
    {
        var context = new DefaultHttpContext();
        PartnerCenterProblems.Apply(new PartnerCenterException(PartnerCenterErrorKind.Throttled, "slow down") { RetryAfter = TimeSpan.FromSeconds(57) }, new ProblemDetails(), context.Response);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("57", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void A_new_customers_password_never_prints()
    {
        var customer = new Customer("id", "id", null, null, "reseller", true, new UserCredentials("admin", "0Krha*Io"), "reseller-tenant", null);

        Assert.DoesNotContain("0Krha*Io", customer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("0Krha*Io", customer.UserCredentials!.ToString(), StringComparison.Ordinal);
        Assert.Equal("0Krha*Io", customer.UserCredentials.Password);
    }

    [Fact]
    public void A_token_response_never_prints_its_tokens()
    {
        var token = new EntraTokenResponse("access-secret", "refresh-secret", "id-secret", 3599, PartnerCenterOptions.Resource, "user_impersonation");

        Assert.DoesNotContain("secret", token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_id_token_names_the_account_and_whether_mfa_was_used()
    {
        static string Part(string json) => Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var idToken = Part("""{"alg":"none"}""") + "." + Part("""{"upn":"integration@provider.onmicrosoft.com","amr":["pwd","mfa"]}""") + ".";

        Assert.Equal(("integration@provider.onmicrosoft.com", true), IdTokenClaims.Read(idToken));
        Assert.Equal((null, false), IdTokenClaims.Read("garbage"));
    }

    [Theory]
    [InlineData(80, true)]
    [InlineData(75, false)]
    [InlineData(91, true)]
    public void The_status_warns_within_14_days_of_the_lapse(int daysSinceRenewal, bool warns)
    {
        var now = DateTimeOffset.UtcNow;
        var connection = new PartnerCenterConnection("a@b.example", "provider-admin:x", now.AddDays(-100), now.AddDays(-daysSinceRenewal), true, null, default, "ref");

        Assert.Equal(warns, PartnerCenterConnectionStatus.WarningFor(connection, now) is not null);
    }
}
