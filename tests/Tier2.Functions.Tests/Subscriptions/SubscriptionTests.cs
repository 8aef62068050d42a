using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Subscriptions;

public sealed class SubscriptionTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;
    private Reseller _a = null!;
    private string _customerId = null!;

    public async Task InitializeAsync()
    {
        _kit = await StartAsync();
        _a = await _kit.CreateResellerAsync("Reseller A");
        using var provider = _kit.Provider();
        _customerId = (await OnboardAsync(provider, _a.Id, NewDomainPrefix(), "Subscriber Co", ("o365-e3", 5, "P1M", "monthly"))).CustomerId!;
    }

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<(string Id, string ETag)> BuyAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", body);
        var created = await ExpectAsync<Subscription>(response, expected);
        return (created.Id, ETagOf(response));
    }

    private async Task<Subscription> PatchAsync(HttpClient client, string id, string etag, object body, HttpStatusCode expected)
    {
        using var response = await SendAsync(client, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", body, ifMatch: etag);
        return await ExpectAsync<Subscription>(response, expected);
    }

    private async Task<HttpValidationProblemDetails> PatchRefusedAsync(HttpClient client, string id, string etag, object body, HttpStatusCode expected)
    {
        using var response = await SendAsync(client, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", body, ifMatch: etag);
        return await ExpectAsync<HttpValidationProblemDetails>(response, expected);
    }

    private static string[] ErrorFields(HttpValidationProblemDetails problem) => problem.Errors.Keys.ToArray();

    [Fact]
    public async Task Licenses_outside_the_offers_limits_are_refused_naming_the_field()
    {
        using var provider = _kit.Provider();
        using var tooMany = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 51, termDuration = "P1Y", billingCycle = "annual" });
        Assert.Equal(["quantity"], ErrorFields(await ExpectAsync<HttpValidationProblemDetails>(tooMany, HttpStatusCode.BadRequest)));
        using var badTerm = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 1, termDuration = "P3Y", billingCycle = "annual" });
        Assert.Equal(["termDuration"], ErrorFields(await ExpectAsync<HttpValidationProblemDetails>(badTerm, HttpStatusCode.BadRequest)));
        using var unknown = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "nope", quantity = 1, termDuration = "P1Y", billingCycle = "annual" });
        Assert.Equal(["offerId"], ErrorFields(await ExpectAsync<HttpValidationProblemDetails>(unknown, HttpStatusCode.BadRequest)));

        var (id, etag) = await BuyAsync(provider, new { offerId = "teams-rooms-pro", quantity = 50, termDuration = "P1Y", billingCycle = "annual" });
        var refused = await PatchRefusedAsync(provider, id, etag, new { quantity = 0 }, HttpStatusCode.BadRequest);
        Assert.Equal(["quantity"], ErrorFields(refused));
        var fewer = await PatchAsync(provider, id, etag, new { quantity = 20 }, HttpStatusCode.OK);
        Assert.Equal(20, fewer.Quantity);
    }

    [Fact]
    public async Task The_partner_of_record_must_be_an_active_reseller_and_never_the_provider()
    {
        var paused = await _kit.CreateResellerAsync("Paused", ResellerStatus.Suspended);
        var impostor = await _kit.CreateResellerAsync("Provider Itself", mpnId: "1111111");
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "m365-e5", quantity = 10, termDuration = "P1Y", billingCycle = "annual" });

        foreach (var refusedId in new[] { "1111111", impostor.Id, paused.Id, "0123456789abcdef0123456789abcdef" })
        {
            var problem = await PatchRefusedAsync(provider, id, etag, new { partnerOfRecordResellerId = refusedId }, HttpStatusCode.BadRequest);
            Assert.Equal(["partnerOfRecordResellerId"], ErrorFields(problem));
        }

        using var buyAsProvider = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "m365-e5", quantity = 1, termDuration = "P1Y", billingCycle = "annual", partnerOfRecordResellerId = "1111111" });
        Assert.Contains("provider's own", (await ExpectAsync<HttpValidationProblemDetails>(buyAsProvider, HttpStatusCode.BadRequest)).Errors["partnerOfRecordResellerId"][0], StringComparison.Ordinal);

        var changed = await PatchAsync(provider, id, etag, new { partnerOfRecordResellerId = b.Id }, HttpStatusCode.OK);
        Assert.Equal(b.MpnId, changed.PartnerIdOnRecord);
        Assert.Equal(b.Id, changed.PartnerOfRecordResellerId);
    }

    [Fact]
    public async Task The_support_contact_is_a_partnered_reseller_stored_as_tenant_mpn_and_name()
    {
        var paused = await _kit.CreateResellerAsync("Paused", ResellerStatus.Suspended);
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });

        Assert.Equal(["supportContactResellerId"], ErrorFields(await PatchRefusedAsync(provider, id, etag, new { supportContactResellerId = paused.Id }, HttpStatusCode.BadRequest)));
        var set = await PatchAsync(provider, id, etag, new { supportContactResellerId = _a.Id }, HttpStatusCode.OK);

        var contact = set.SupportContact!;
        Assert.Equal(_a.TenantId, contact.SupportTenantId);
        Assert.Equal(_a.MpnId, contact.SupportMpnId);
        Assert.Equal("Reseller A", contact.Name);
        var cleared = await PatchAsync(provider, id, "*", new { supportContactResellerId = "" }, HttpStatusCode.OK);
        Assert.Null(cleared.SupportContact);
    }

    [Fact]
    public async Task A_subscription_is_suspended_and_reactivated_and_a_suspended_one_keeps_its_licenses()
    {
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });

        using var suspend = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", new { status = "Suspended" }, ifMatch: etag);
        Assert.Equal(SubscriptionStatus.Suspended, (await ExpectAsync<Subscription>(suspend, HttpStatusCode.OK)).Status);
        var suspendedETag = ETagOf(suspend);
        Assert.Equal(["quantity"], ErrorFields(await PatchRefusedAsync(provider, id, suspendedETag, new { quantity = 4 }, HttpStatusCode.BadRequest)));
        var reactivated = await PatchAsync(provider, id, suspendedETag, new { status = "Active", quantity = 4 }, HttpStatusCode.OK);
        Assert.Equal(SubscriptionStatus.Active, reactivated.Status);
        Assert.Equal(4, reactivated.Quantity);
        Assert.Equal(["status"], ErrorFields(await PatchRefusedAsync(provider, id, "*", new { status = "Deleted" }, HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task A_lost_update_race_answers_412_and_a_missing_if_match_428()
    {
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });
        await PatchAsync(provider, id, etag, new { quantity = 4 }, HttpStatusCode.OK);

        var lost = await PatchRefusedAsync(provider, id, etag, new { quantity = 5 }, HttpStatusCode.PreconditionFailed);
        Assert.Equal("urn:tier2:problem:precondition-failed", lost.Type);
        using var noIfMatch = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", new { quantity = 5 });
        await ExpectAsync(noIfMatch, (HttpStatusCode)428);
        using var read = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions/{id}");
        Assert.Equal(4, (await ExpectAsync<Subscription>(read, HttpStatusCode.OK)).Quantity);
    }

    [Fact]
    public async Task A_reseller_admin_sees_and_manages_only_subscriptions_it_is_partner_of_record_or_support_contact_for()
    {
        using var provider = _kit.Provider();
        using var reseller = _kit.Reseller(_a.Id);
        var (direct, directETag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 2, termDuration = "P1M", billingCycle = "monthly" });

        using var list = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions");
        var visible = (await ExpectAsync<Page<Subscription>>(list, HttpStatusCode.OK)).Items.Select(s => s.Id).ToList();
        Assert.Single(visible); // the order's subscription, with A as partner of record
        Assert.DoesNotContain(direct, visible);
        using var hidden = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{direct}");
        await ExpectAsync(hidden, HttpStatusCode.NotFound);

        await PatchAsync(provider, direct, directETag, new { supportContactResellerId = _a.Id }, HttpStatusCode.OK);
        using var nowVisible = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{direct}");
        var sub = await ExpectAsync<Subscription>(nowVisible, HttpStatusCode.OK);
        var more = await PatchAsync(reseller, direct, ETagOf(nowVisible), new { quantity = 7 }, HttpStatusCode.OK);
        Assert.Equal(7, more.Quantity);
        using var notOwn = await SendAsync(reseller, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{direct}", new { partnerOfRecordResellerId = _a.Id }, ifMatch: "*");
        await ExpectAsync(notOwn, HttpStatusCode.Forbidden);
        _ = sub;

        var (bought, _) = await BuyAsync(reseller, new { offerId = "exchange-online-p1", quantity = 10, termDuration = "P1M", billingCycle = "monthly" });
        using var boughtRead = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{bought}");
        Assert.Equal(_a.MpnId, (await ExpectAsync<Subscription>(boughtRead, HttpStatusCode.OK)).PartnerIdOnRecord);
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var forOther = await reseller.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "exchange-online-p1", quantity = 10, termDuration = "P1M", billingCycle = "monthly", partnerOfRecordResellerId = b.Id });
        Assert.Equal(["partnerOfRecordResellerId"], ErrorFields(await ExpectAsync<HttpValidationProblemDetails>(forOther, HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task Buying_again_with_the_same_idempotency_key_returns_the_first_subscription()
    {
        using var provider = _kit.Provider();
        var body = new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" };

        using var first = await SendAsync(provider, HttpMethod.Post, $"/api/customers/{_customerId}/subscriptions", body, idempotencyKey: "buy-1");
        using var second = await SendAsync(provider, HttpMethod.Post, $"/api/customers/{_customerId}/subscriptions", body, idempotencyKey: "buy-1");

        Assert.Equal((await ExpectAsync<Subscription>(first, HttpStatusCode.Created)).Id, (await ExpectAsync<Subscription>(second, HttpStatusCode.OK)).Id);
        using var all = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions");
        Assert.Equal(2, (await ExpectAsync<Page<Subscription>>(all, HttpStatusCode.OK)).Items.Count);
    }

    [Fact]
    public async Task An_idempotency_key_replays_only_the_same_callers_same_request()
    {
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var provider = _kit.Provider();
        using (var added = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/resellers", new { resellerId = b.Id }))
        {
            await ExpectAsync(added, HttpStatusCode.Created);
        }

        using var resellerA = _kit.Reseller(_a.Id);
        using var resellerB = _kit.Reseller(b.Id);
        var body = new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" };
        var url = $"/api/customers/{_customerId}/subscriptions";

        using var first = await SendAsync(resellerA, HttpMethod.Post, url, body, idempotencyKey: "shared-key");
        var mine = (await ExpectAsync<Subscription>(first, HttpStatusCode.Created)).Id;

        // Another reseller with the same key gets a purchase of its own, never reseller A's subscription.
        using var other = await SendAsync(resellerB, HttpMethod.Post, url, body, idempotencyKey: "shared-key");
        var theirs = await ExpectAsync<Subscription>(other, HttpStatusCode.Created);
        Assert.NotEqual(mine, theirs.Id);
        Assert.Equal(b.Id, theirs.PartnerOfRecordResellerId);

        // The same caller and key with another body is refused, naming the header.
        using var changed = await SendAsync(resellerA, HttpMethod.Post, url, body with { quantity = 4 }, idempotencyKey: "shared-key");
        var problem = await ExpectAsync<HttpValidationProblemDetails>(changed, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", problem.Errors.Keys);

        using var repeat = await SendAsync(resellerA, HttpMethod.Post, url, body, idempotencyKey: "shared-key");
        Assert.Equal(mine, (await ExpectAsync<Subscription>(repeat, HttpStatusCode.OK)).Id);
    }

    [Fact]
    public async Task A_stale_if_match_gets_412_even_when_the_change_is_invalid_against_the_stored_state()
    {
        using var provider = _kit.Provider();
        var (id, staleETag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });
        await PatchAsync(provider, id, staleETag, new { status = "Suspended" }, HttpStatusCode.OK);

        // Against the stored state (now suspended) a license change is invalid; but the client read an older version.
        var problem = await PatchRefusedAsync(provider, id, staleETag, new { quantity = 4 }, HttpStatusCode.PreconditionFailed);
        Assert.Equal("urn:tier2:problem:precondition-failed", problem.Type);

        // Twenty parallel changes from the same stale read: every one is 412, none 400.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", i % 2 == 0 ? new { quantity = 5 + i } : new { status = "Active" }, ifMatch: staleETag);
            return response.StatusCode;
        }));
        Assert.All(results, s => Assert.Equal(HttpStatusCode.PreconditionFailed, s));
    }

    [Fact]
    public async Task A_suspended_resellers_admin_reads_but_every_change_answers_403_naming_why()
    {
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly", partnerOfRecordResellerId = _a.Id });
        using var readReseller = await provider.GetAsync($"/api/resellers/{_a.Id}");
        await ExpectAsync(readReseller, HttpStatusCode.OK);
        using var suspend = await SendAsync(provider, HttpMethod.Post, $"/api/resellers/{_a.Id}/suspend", ifMatch: ETagOf(readReseller));
        await ExpectAsync(suspend, HttpStatusCode.OK);

        using var reseller = _kit.Reseller(_a.Id);
        using var customers = await reseller.GetAsync($"/api/customers?resellerId={_a.Id}");
        await ExpectAsync(customers, HttpStatusCode.OK);
        using var list = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions");
        Assert.Contains((await ExpectAsync<Page<Subscription>>(list, HttpStatusCode.OK)).Items, s => s.Id == id);

        foreach (var body in new object[] { new { quantity = 4 }, new { status = "Suspended" } })
        {
            using var change = await SendAsync(reseller, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", body, ifMatch: etag);
            var problem = await ExpectAsync<HttpValidationProblemDetails>(change, HttpStatusCode.Forbidden);
            Assert.Equal("urn:tier2:problem:forbidden", problem.Type);
            Assert.Contains("Suspended", problem.Detail, StringComparison.Ordinal);
        }

        using var buy = await reseller.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "o365-e3", quantity = 1, termDuration = "P1M", billingCycle = "monthly" });
        Assert.Contains("Suspended", (await ExpectAsync<HttpValidationProblemDetails>(buy, HttpStatusCode.Forbidden)).Detail, StringComparison.Ordinal);
        using var read = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions/{id}");
        Assert.Equal(3, (await ExpectAsync<Subscription>(read, HttpStatusCode.OK)).Quantity);
    }
}
