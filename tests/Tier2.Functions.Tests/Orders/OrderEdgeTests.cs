using Tier2.Functions.Orders;
using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

/// <summary>Orders under racing submits and hostile customer details.</summary>
public sealed class OrderEdgeTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task Of_twenty_parallel_submits_sharing_one_etag_one_is_accepted_and_the_others_are_412_until_the_winners_key_replays()
    {
        using var provider = _kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Race Co", ("o365-e3", 1, "P1M", "monthly")));
        var keys = Enumerable.Range(0, 20).Select(i => $"submit-{i}-{id}").ToList();

        var responses = await Task.WhenAll(keys.Select(key => SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: key)));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.True(statuses.Count(s => s == HttpStatusCode.Accepted) == 1, string.Join(", ", statuses.Select(s => (int)s)));
        Assert.All(statuses.Where(s => s != HttpStatusCode.Accepted), s => Assert.Equal(HttpStatusCode.PreconditionFailed, s));
        var winner = statuses.IndexOf(HttpStatusCode.Accepted);
        var location = responses[winner].Headers.Location;
        foreach (var response in responses)
        {
            response.Dispose();
        }

        using var replay = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: keys[winner]);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(location, replay.Headers.Location);
        using var loser = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: keys[(winner + 1) % keys.Count]);
        Assert.Equal(HttpStatusCode.PreconditionFailed, loser.StatusCode);
        var done = await WaitForOrderAsync(provider, id);
        Assert.Equal(OrderStatus.Completed, done.Status);
    }

    [Fact]
    public async Task Twenty_parallel_submits_with_one_key_all_answer_the_same_202()
    {
        using var provider = _kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Same Key Co", ("o365-e3", 1, "P1M", "monthly")));

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: "one-" + id)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(OrderStatus.Completed, (await WaitForOrderAsync(provider, id)).Status);
    }

    [Theory]
    [InlineData("companyName", "\u200B\u200B\u200B", "customer.companyName")]
    [InlineData("companyName", "Tail\u202Espin", "customer.companyName")]
    [InlineData("city", "Red\u2066mond", "customer.address.city")]
    [InlineData("firstName", "\uFEFF", "customer.contact.firstName")]
    [InlineData("lastName", "Doe\u2060", "customer.contact.lastName")]
    public async Task Invisible_or_direction_changing_characters_in_the_customers_details_answer_400_naming_the_field(string field, string value, string path)
    {
        using var provider = _kit.Provider();
        var body = OrderBody(null, NewDomainPrefix(), "Clean Co", ("o365-e3", 1, "P1M", "monthly"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(body))!;
        var target = field switch
        {
            "city" => json["customer"]!["address"]!,
            "firstName" or "lastName" => json["customer"]!["contact"]!,
            _ => json["customer"]!,
        };
        target[field] = value;

        using var response = await provider.PostAsync("/api/orders", new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal([path], problem!.Errors.Keys.ToArray());
    }
}
