using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

public sealed class OrderListTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static async Task<Page<OrderSummary>> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync(new Uri("/api/orders" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<Page<OrderSummary>>();
    }

    [Fact]
    public async Task The_provider_lists_orders_newest_first_filtered_by_reseller_and_status_and_pages_through_them()
    {
        var fabrikam = await _kit.CreateResellerAsync("Fabrikam Orders");
        var contoso = await _kit.CreateResellerAsync("Contoso Orders");
        using var provider = _kit.Provider();
        var first = (await CreateDraftAsync(provider, OrderBody(fabrikam.Id, NewDomainPrefix(), "First Co", ("o365-e3", 5, "P1M", "monthly")))).Id;
        var second = (await CreateDraftAsync(provider, OrderBody(fabrikam.Id, NewDomainPrefix(), "Second Co", ("o365-e3", 5, "P1M", "monthly")))).Id;
        var other = (await CreateDraftAsync(provider, OrderBody(contoso.Id, NewDomainPrefix(), "Other Co", ("o365-e3", 5, "P1M", "monthly")))).Id;
        using (var cancelled = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{first}/cancel"))
        {
            await ExpectAsync(cancelled, HttpStatusCode.OK);
        }

        var fabrikams = await ListAsync(provider, $"?resellerId={fabrikam.Id}");
        var drafts = await ListAsync(provider, $"?resellerId={fabrikam.Id}&status=draft");
        var page1 = await ListAsync(provider, $"?resellerId={fabrikam.Id}&pageSize=1");
        var page2 = await ListAsync(provider, $"?resellerId={fabrikam.Id}&pageSize=1&continuationToken={Uri.EscapeDataString(page1.ContinuationToken!)}");

        Assert.Equal([second, first], fabrikams.Items.Select(o => o.Id));
        Assert.Equal("Second Co", fabrikams.Items[0].CompanyName);
        Assert.Equal([second], drafts.Items.Select(o => o.Id));
        Assert.Equal([second], page1.Items.Select(o => o.Id));
        Assert.Equal([first], page2.Items.Select(o => o.Id));
        Assert.Contains(other, (await ListAsync(provider, string.Empty)).Items.Select(o => o.Id));
    }

    [Fact]
    public async Task A_reseller_admin_lists_its_own_orders_and_no_other_resellers()
    {
        var fabrikam = await _kit.CreateResellerAsync("Fabrikam Own");
        var contoso = await _kit.CreateResellerAsync("Contoso Other");
        using var provider = _kit.Provider();
        var own = (await CreateDraftAsync(provider, OrderBody(fabrikam.Id, NewDomainPrefix(), "Own Co", ("o365-e3", 5, "P1M", "monthly")))).Id;
        var theirs = (await CreateDraftAsync(provider, OrderBody(contoso.Id, NewDomainPrefix(), "Their Co", ("o365-e3", 5, "P1M", "monthly")))).Id;
        using var reseller = _kit.Reseller(fabrikam.Id);

        var listed = await ListAsync(reseller, string.Empty);
        using var another = await reseller.GetAsync(new Uri($"/api/orders?resellerId={contoso.Id}", UriKind.Relative));

        Assert.Contains(own, listed.Items.Select(o => o.Id));
        Assert.DoesNotContain(theirs, listed.Items.Select(o => o.Id));
        Assert.Equal(HttpStatusCode.NotFound, another.StatusCode);
    }

    [Theory]
    [InlineData("?status=shipped", "status")]
    [InlineData("?status=1", "status")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?continuationToken=bogus", "continuationToken")]
    [InlineData("?createdFrom=2026-12-02T00:00:00Z&createdTo=2026-12-01T00:00:00Z", "createdFrom")]
    public async Task Bad_list_parameters_answer_a_problem_naming_the_parameter(string query, string field)
    {
        using var provider = _kit.Provider();
        using var response = await provider.GetAsync(new Uri("/api/orders" + query, UriKind.Relative));
        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey(field), string.Join(", ", problem.Errors.Keys));
    }
}
