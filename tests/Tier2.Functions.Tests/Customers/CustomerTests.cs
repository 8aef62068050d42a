using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Customers;

public sealed class CustomerTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static List<string> Names(Page<CustomerSummary> page) => page.Items.Select(c => c.CompanyName).ToList();

    [Fact]
    public async Task Customers_are_filtered_by_reseller_searched_by_name_and_paged()
    {
        var a = await _kit.CreateResellerAsync("Reseller A");
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var provider = _kit.Provider();
        foreach (var (reseller, name) in new[] { (a.Id, "Alpha Two"), (a.Id, "Alpha One"), (a.Id, "Beta/Works"), (b.Id, "Gamma") })
        {
            await OnboardAsync(provider, reseller, NewDomainPrefix(), name, ("o365-e3", 1, "P1M", "monthly"));
        }

        using var ofA = await provider.GetAsync($"/api/customers?resellerId={a.Id}");
        Assert.Equal(["Alpha One", "Alpha Two", "Beta/Works"], Names(await ExpectAsync<Page<CustomerSummary>>(ofA, HttpStatusCode.OK)));
        using var all = await provider.GetAsync("/api/customers");
        Assert.Equal(4, Names(await ExpectAsync<Page<CustomerSummary>>(all, HttpStatusCode.OK)).Count);
        using var search = await provider.GetAsync($"/api/customers?resellerId={a.Id}&search=ALPHA");
        Assert.Equal(["Alpha One", "Alpha Two"], Names(await ExpectAsync<Page<CustomerSummary>>(search, HttpStatusCode.OK)));
        using var slash = await provider.GetAsync($"/api/customers?search={Uri.EscapeDataString("beta/w")}");
        Assert.Equal(["Beta/Works"], Names(await ExpectAsync<Page<CustomerSummary>>(slash, HttpStatusCode.OK)));

        var paged = new List<string>();
        string? token = null;
        do
        {
            using var page = await provider.GetAsync($"/api/customers?resellerId={a.Id}&pageSize=1" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            var body = await ExpectAsync<Page<CustomerSummary>>(page, HttpStatusCode.OK);
            paged.AddRange(Names(body));
            token = body.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(["Alpha One", "Alpha Two", "Beta/Works"], paged);

        using var resellerA = _kit.Reseller(a.Id);
        using var own = await resellerA.GetAsync("/api/customers");
        Assert.Equal(3, Names(await ExpectAsync<Page<CustomerSummary>>(own, HttpStatusCode.OK)).Count);
        using var others = await resellerA.GetAsync($"/api/customers?resellerId={b.Id}");
        await ExpectAsync(others, HttpStatusCode.NotFound);
        using var foreignToken = await provider.GetAsync($"/api/customers?resellerId={b.Id}&continuationToken={Uri.EscapeDataString(token ?? "eA")}");
        await ExpectAsync(foreignToken, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Adding_and_removing_a_reseller_relationship_changes_who_sees_the_customer()
    {
        var b = await _kit.CreateResellerAsync("Reseller B");
        var paused = await _kit.CreateResellerAsync("Paused", ResellerStatus.Suspended);
        using var provider = _kit.Provider();
        using var resellerB = _kit.Reseller(b.Id);
        var customerId = (await OnboardAsync(provider, null, NewDomainPrefix(), "Existing Co", ("o365-e3", 1, "P1M", "monthly"))).CustomerId!;
        using (var before = await resellerB.GetAsync($"/api/customers/{customerId}"))
        {
            await ExpectAsync(before, HttpStatusCode.NotFound);
        }

        using var added = await provider.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = b.Id });
        Assert.Equal(b.MpnId, (await ExpectAsync<CustomerReseller>(added, HttpStatusCode.Created)).MpnId);
        using var repeat = await provider.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = b.Id });
        await ExpectAsync(repeat, HttpStatusCode.OK);
        using var refused = await provider.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = paused.Id });
        Assert.True((await ExpectAsync<HttpValidationProblemDetails>(refused, HttpStatusCode.BadRequest)).Errors.ContainsKey("resellerId"));

        using var detail = await resellerB.GetAsync($"/api/customers/{customerId}");
        var seen = await ExpectAsync<CustomerView>(detail, HttpStatusCode.OK);
        Assert.Empty(seen.Subscriptions); // not partner of record or support contact of any
        using var list = await resellerB.GetAsync("/api/customers");
        Assert.Equal(["Existing Co"], Names(await ExpectAsync<Page<CustomerSummary>>(list, HttpStatusCode.OK)));
        using var byReseller = await resellerB.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = b.Id });
        await ExpectAsync(byReseller, HttpStatusCode.Forbidden);

        using var removed = await provider.DeleteAsync($"/api/customers/{customerId}/resellers/{b.Id}");
        await ExpectAsync(removed, HttpStatusCode.NoContent);
        using var after = await resellerB.GetAsync($"/api/customers/{customerId}");
        await ExpectAsync(after, HttpStatusCode.NotFound);
        using var emptied = await resellerB.GetAsync("/api/customers");
        Assert.Empty(Names(await ExpectAsync<Page<CustomerSummary>>(emptied, HttpStatusCode.OK)));
        using var again = await provider.DeleteAsync($"/api/customers/{customerId}/resellers/{b.Id}");
        await ExpectAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_resellers_token_gets_404_on_every_endpoint()
    {
        var a = await _kit.CreateResellerAsync("Reseller A");
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var provider = _kit.Provider();
        var order = await OnboardAsync(provider, a.Id, NewDomainPrefix(), "A's Customer", ("o365-e3", 5, "P1M", "monthly"));
        var orderId = order.Id;
        var customerId = order.CustomerId!;
        using var customerResponse = await provider.GetAsync($"/api/customers/{customerId}");
        var subscriptionId = (await ExpectAsync<CustomerView>(customerResponse, HttpStatusCode.OK)).Subscriptions[0].Id;
        var sub = $"/api/customers/{customerId}/subscriptions/{subscriptionId}";
        using var other = _kit.Reseller(b.Id);

        var calls = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/customers/{customerId}", null),
            (HttpMethod.Get, $"/api/customers?resellerId={a.Id}", null),
            (HttpMethod.Post, $"/api/customers/{customerId}/resellers", new { resellerId = b.Id }),
            (HttpMethod.Delete, $"/api/customers/{customerId}/resellers/{a.Id}", null),
            (HttpMethod.Get, $"/api/customers/{customerId}/subscriptions", null),
            (HttpMethod.Post, $"/api/customers/{customerId}/subscriptions", new { offerId = "o365-e3", quantity = 1, termDuration = "P1M", billingCycle = "monthly" }),
            (HttpMethod.Get, sub, null),
            (HttpMethod.Patch, sub, new { quantity = 6 }),
            (HttpMethod.Get, $"/api/orders/{orderId}", null),
            (HttpMethod.Patch, $"/api/orders/{orderId}", new { resellerId = b.Id }),
            (HttpMethod.Post, $"/api/orders/{orderId}/submit", null),
            (HttpMethod.Post, $"/api/orders/{orderId}/cancel", null),
            (HttpMethod.Get, $"/api/orders/{orderId}/setup-info", null),
        };
        foreach (var (method, url, body) in calls)
        {
            using var response = await SendAsync(other, method, url, body, ifMatch: "*");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url} answered {(int)response.StatusCode} to another reseller");
        }

        // Provider-only collections refuse the role itself (nothing about any resource is revealed).
        using (var create = await other.PostAsJsonAsync("/api/orders", OrderBody(b.Id, NewDomainPrefix(), "X", ("o365-e3", 1, "P1M", "monthly"))))
        {
            await ExpectAsync(create, HttpStatusCode.Forbidden);
        }

        using (var audit = await other.GetAsync($"/api/audit?entity=customer&id={customerId}"))
        {
            await ExpectAsync(audit, HttpStatusCode.Forbidden);
        }

        // The owner still has everything, and nothing above changed anything.
        using var owner = _kit.Reseller(a.Id);
        using var mine = await owner.GetAsync(sub);
        Assert.Equal(5, (await ExpectAsync<Subscription>(mine, HttpStatusCode.OK)).Quantity);
        using var ownOrder = await owner.GetAsync($"/api/orders/{orderId}");
        await ExpectAsync(ownOrder, HttpStatusCode.OK);
        using var ownSetup = await owner.GetAsync($"/api/orders/{orderId}/setup-info");
        await ExpectAsync(ownSetup, HttpStatusCode.Forbidden);
        using var providerSetup = await provider.GetAsync($"/api/orders/{orderId}/setup-info");
        await ExpectAsync(providerSetup, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Quotes_and_or_clauses_in_every_filter_and_search_parameter_match_nothing_and_never_fail()
    {
        var a = await _kit.CreateResellerAsync("Reseller A");
        using var provider = _kit.Provider();
        var customerId = (await OnboardAsync(provider, a.Id, NewDomainPrefix(), "Victim Co", ("o365-e3", 1, "P1M", "monthly"))).CustomerId!;
        using var resellerA = _kit.Reseller(a.Id);
        string[] attacks =
        [
            "' or '1' eq '1",
            "x' or PartitionKey ne '",
            "\") or true or (\"",
            "a' or RowKey gt '' or 'a",
            $"{a.Id}' or PartitionKey ne 'all",
            $"{customerId}' or PartitionKey ne '",
        ];

        foreach (var attack in attacks)
        {
            var q = Uri.EscapeDataString(attack);
            var urls = new (HttpClient Client, string Url)[]
            {
                (provider, $"/api/customers?search={q}"),
                (provider, $"/api/customers?resellerId={q}"),
                (provider, $"/api/customers?resellerId={q}&search={q}"),
                (resellerA, $"/api/customers?search={q}"),
                (resellerA, $"/api/customers?resellerId={q}"),
                (provider, $"/api/audit?entity=customer&id={q}"),
                (provider, $"/api/audit?entity=order&id={q}"),
                (provider, $"/api/audit?entity=subscription&id={q}/{q}"),
                (provider, $"/api/audit?entity={q}&id={customerId}"),
                (provider, $"/api/resellers?search={q}"),
                (provider, $"/api/customers/{q}"),
                (provider, $"/api/customers/{q}/subscriptions"),
                (provider, $"/api/orders/{q}"),
            };
            foreach (var (client, url) in urls)
            {
                using var response = await client.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{url}: {(int)response.StatusCode} {body}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Empty((await response.ReadAsync<Page<object>>()).Items);
                }
            }
        }
    }

    [Fact]
    public async Task A_reseller_admin_never_sees_another_resellers_id_as_the_associated_partner()
    {
        var a = await _kit.CreateResellerAsync("Reseller A");
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var provider = _kit.Provider();
        using var resellerA = _kit.Reseller(a.Id);
        using var resellerB = _kit.Reseller(b.Id);
        var customerId = (await OnboardAsync(provider, a.Id, NewDomainPrefix(), "Shared Co", ("o365-e3", 1, "P1M", "monthly"))).CustomerId!;
        using (var added = await provider.PostAsJsonAsync($"/api/customers/{customerId}/resellers", new { resellerId = b.Id }))
        {
            await ExpectAsync(added, HttpStatusCode.Created);
        }

        using var detailB = await resellerB.GetAsync($"/api/customers/{customerId}");
        Assert.Null((await ExpectAsync<CustomerView>(detailB, HttpStatusCode.OK)).AssociatedPartnerId);
        using var listB = await resellerB.GetAsync("/api/customers");
        Assert.Null((await ExpectAsync<Page<CustomerSummary>>(listB, HttpStatusCode.OK)).Items[0].AssociatedPartnerId);

        using var detailA = await resellerA.GetAsync($"/api/customers/{customerId}");
        Assert.Equal(a.Id, (await ExpectAsync<CustomerView>(detailA, HttpStatusCode.OK)).AssociatedPartnerId);
        using var listA = await resellerA.GetAsync("/api/customers");
        Assert.Equal(a.Id, (await ExpectAsync<Page<CustomerSummary>>(listA, HttpStatusCode.OK)).Items[0].AssociatedPartnerId);
        using var detailProvider = await provider.GetAsync($"/api/customers/{customerId}");
        Assert.Equal(a.Id, (await ExpectAsync<CustomerView>(detailProvider, HttpStatusCode.OK)).AssociatedPartnerId);
    }
}
