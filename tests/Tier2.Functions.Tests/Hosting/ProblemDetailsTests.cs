using System.Text;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(configure: s => s["Tier2:MaxRequestBodyBytes"] = "2048");
        _client = _app.ClientAs();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    // Creating an order takes a JSON body: a handler's body binding is the app's, under any host.
    private async Task<(HttpResponseMessage Response, HttpValidationProblemDetails Problem)> PostAsync(string body)
    {
        var response = await _client.PostAsync(new Uri("/api/orders", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return (response, await response.ReadProblemAsync());
    }

    [Fact]
    public async Task Malformed_json_answers_400_problem_details_naming_the_problem()
    {
        var (response, problem) = await PostAsync("""{"resellerId": "x", "lineItems": }""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:tier2:problem:malformed-request", problem.Type);
        Assert.Contains("lineItems", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_answers_400_naming_the_field()
    {
        var (response, problem) = await PostAsync("""{"lineItems": [{"offerId": "x", "quantity": "many"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("$.lineItems[0].quantity", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_limit_answers_413_problem_details()
    {
        var (response, problem) = await PostAsync("{\"resellerId\":\"" + new string('x', 4096) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("urn:tier2:problem:payload-too-large", problem.Type);
    }

    [Fact]
    public async Task An_unknown_route_answers_404()
    {
        // No operation has this route: the catch-all function answers it (ProtocolEdgeTests pins its problem details).
        using var response = await _client.GetAsync(new Uri("/api/no/such/thing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_id_answers_404_problem_details()
    {
        using var response = await _client.GetAsync(new Uri("/api/orders/no-such-order", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/orders", "nonsense")]
    [InlineData("/api/orders", "utf-7")]
    [InlineData("/api/orders", "utf-16")]
    [InlineData("/api/resellers/invites", "nonsense")]
    [InlineData("/api/resellers/invites", "utf-7")]
    public async Task An_unknown_request_charset_answers_415_problem_details(string path, string charset)
    {
        using var content = new ByteArrayContent("""{"email":"a@b.example","delivery":"draft"}"""u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");

        using var response = await _client.PostAsync(new Uri(path, UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadProblemAsync();
        Assert.Equal("urn:tier2:problem:unsupported-media-type", problem.Type);
    }

    [Fact]
    public async Task A_utf8_charset_is_read_as_json()
    {
        using var content = new StringContent("""{"resellerId": "x", "lineItems": }""", Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" };

        using var response = await _client.PostAsync(new Uri("/api/orders", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/orders/abc%0d%0a")]
    [InlineData("/api/orders/abc%01")]
    [InlineData("/api/orders/%C3%28")]
    [InlineData("/api/customers/%7F")]
    public async Task Control_characters_in_the_path_answer_problem_details(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Problem_details_wire_names_are_rfc9457_and_stable()
    {
        // The one test that reads a problem as raw JSON: the others read HttpValidationProblemDetails, so this pins what clients see.
        using var response = await _client.PostAsync(new Uri("/api/resellers/invites", UriKind.Relative), new StringContent("""{"delivery":"draft"}""", Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:tier2:problem:validation", problem.GetProperty("type").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.String, problem.GetProperty("title").ValueKind);
        Assert.Equal("/api/resellers/invites", problem.GetProperty("instance").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("errors").GetProperty("email").ValueKind);
    }
}
