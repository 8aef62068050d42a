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
    private async Task<(HttpResponseMessage Response, JsonElement Problem)> PostAsync(string body)
    {
        var response = await _client.PostAsync(new Uri("/api/orders", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Malformed_json_answers_400_problem_details_naming_the_problem()
    {
        var (response, problem) = await PostAsync("""{"resellerId": "x", "lineItems": }""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:tier2:problem:malformed-request", problem.GetProperty("type").GetString());
        Assert.Contains("lineItems", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_answers_400_naming_the_field()
    {
        var (response, problem) = await PostAsync("""{"lineItems": [{"offerId": "x", "quantity": "many"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("$.lineItems[0].quantity", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_limit_answers_413_problem_details()
    {
        var (response, problem) = await PostAsync("{\"resellerId\":\"" + new string('x', 4096) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("urn:tier2:problem:payload-too-large", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_unknown_route_answers_404()
    {
        // No function sees a request for a route none declares: the host answers it (an empty 404, as the Functions host does).
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
}
