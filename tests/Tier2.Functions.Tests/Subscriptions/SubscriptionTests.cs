using Tier2.Functions.Resellers;
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
        _customerId = (await OnboardAsync(provider, _a.Id, NewDomainPrefix(), "Subscriber Co", ("o365-e3", 5, "P1M", "monthly"))).GetProperty("customerId").GetString()!;
    }

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private async Task<(string Id, string ETag)> BuyAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", body);
        var created = await ExpectAsync(response, expected);
        return (created.GetProperty("id").GetString()!, ETagOf(response));
    }

    private async Task<JsonElement> PatchAsync(HttpClient client, string id, string etag, object body, HttpStatusCode expected)
    {
        using var response = await SendAsync(client, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", body, ifMatch: etag);
        return await ExpectAsync(response, expected);
    }

    private static string[] ErrorFields(JsonElement problem) => problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task Licenses_outside_the_offers_limits_are_refused_naming_the_field()
    {
        using var provider = _kit.Provider();
        using var tooMany = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 51, termDuration = "P1Y", billingCycle = "annual" });
        Assert.Equal(["quantity"], ErrorFields(await ExpectAsync(tooMany, HttpStatusCode.BadRequest)));
        using var badTerm = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "teams-rooms-pro", quantity = 1, termDuration = "P3Y", billingCycle = "annual" });
        Assert.Equal(["termDuration"], ErrorFields(await ExpectAsync(badTerm, HttpStatusCode.BadRequest)));
        using var unknown = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "nope", quantity = 1, termDuration = "P1Y", billingCycle = "annual" });
        Assert.Equal(["offerId"], ErrorFields(await ExpectAsync(unknown, HttpStatusCode.BadRequest)));

        var (id, etag) = await BuyAsync(provider, new { offerId = "teams-rooms-pro", quantity = 50, termDuration = "P1Y", billingCycle = "annual" });
        var refused = await PatchAsync(provider, id, etag, new { quantity = 0 }, HttpStatusCode.BadRequest);
        Assert.Equal(["quantity"], ErrorFields(refused));
        var fewer = await PatchAsync(provider, id, etag, new { quantity = 20 }, HttpStatusCode.OK);
        Assert.Equal(20, fewer.GetProperty("quantity").GetInt32());
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
            var problem = await PatchAsync(provider, id, etag, new { partnerOfRecordResellerId = refusedId }, HttpStatusCode.BadRequest);
            Assert.Equal(["partnerOfRecordResellerId"], ErrorFields(problem));
        }

        using var buyAsProvider = await provider.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "m365-e5", quantity = 1, termDuration = "P1Y", billingCycle = "annual", partnerOfRecordResellerId = "1111111" });
        Assert.Contains("provider's own", (await ExpectAsync(buyAsProvider, HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("partnerOfRecordResellerId")[0].GetString(), StringComparison.Ordinal);

        var changed = await PatchAsync(provider, id, etag, new { partnerOfRecordResellerId = b.Id }, HttpStatusCode.OK);
        Assert.Equal(b.MpnId, changed.GetProperty("partnerIdOnRecord").GetString());
        Assert.Equal(b.Id, changed.GetProperty("partnerOfRecordResellerId").GetString());
    }

    [Fact]
    public async Task The_support_contact_is_a_partnered_reseller_stored_as_tenant_mpn_and_name()
    {
        var paused = await _kit.CreateResellerAsync("Paused", ResellerStatus.Suspended);
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });

        Assert.Equal(["supportContactResellerId"], ErrorFields(await PatchAsync(provider, id, etag, new { supportContactResellerId = paused.Id }, HttpStatusCode.BadRequest)));
        var set = await PatchAsync(provider, id, etag, new { supportContactResellerId = _a.Id }, HttpStatusCode.OK);

        var contact = set.GetProperty("supportContact");
        Assert.Equal(_a.TenantId, contact.GetProperty("supportTenantId").GetGuid());
        Assert.Equal(_a.MpnId, contact.GetProperty("supportMpnId").GetString());
        Assert.Equal("Reseller A", contact.GetProperty("name").GetString());
        var cleared = await PatchAsync(provider, id, "*", new { supportContactResellerId = "" }, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("supportContact").ValueKind);
    }

    [Fact]
    public async Task A_subscription_is_suspended_and_reactivated_and_a_suspended_one_keeps_its_licenses()
    {
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });

        using var suspend = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", new { status = "Suspended" }, ifMatch: etag);
        Assert.Equal("Suspended", (await ExpectAsync(suspend, HttpStatusCode.OK)).GetProperty("status").GetString());
        var suspendedETag = ETagOf(suspend);
        Assert.Equal(["quantity"], ErrorFields(await PatchAsync(provider, id, suspendedETag, new { quantity = 4 }, HttpStatusCode.BadRequest)));
        var reactivated = await PatchAsync(provider, id, suspendedETag, new { status = "Active", quantity = 4 }, HttpStatusCode.OK);
        Assert.Equal("Active", reactivated.GetProperty("status").GetString());
        Assert.Equal(4, reactivated.GetProperty("quantity").GetInt32());
        Assert.Equal(["status"], ErrorFields(await PatchAsync(provider, id, "*", new { status = "Deleted" }, HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task A_lost_update_race_answers_412_and_a_missing_if_match_428()
    {
        using var provider = _kit.Provider();
        var (id, etag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });
        await PatchAsync(provider, id, etag, new { quantity = 4 }, HttpStatusCode.OK);

        var lost = await PatchAsync(provider, id, etag, new { quantity = 5 }, HttpStatusCode.PreconditionFailed);
        Assert.Equal("urn:tier2:problem:precondition-failed", lost.GetProperty("type").GetString());
        using var noIfMatch = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", new { quantity = 5 });
        await ExpectAsync(noIfMatch, (HttpStatusCode)428);
        using var read = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions/{id}");
        Assert.Equal(4, (await ExpectAsync(read, HttpStatusCode.OK)).GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task A_reseller_admin_sees_and_manages_only_subscriptions_it_is_partner_of_record_or_support_contact_for()
    {
        using var provider = _kit.Provider();
        using var reseller = _kit.Reseller(_a.Id);
        var (direct, directETag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 2, termDuration = "P1M", billingCycle = "monthly" });

        using var list = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions");
        var visible = (await ExpectAsync(list, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Single(visible); // the order's subscription, with A as partner of record
        Assert.DoesNotContain(direct, visible);
        using var hidden = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{direct}");
        await ExpectAsync(hidden, HttpStatusCode.NotFound);

        await PatchAsync(provider, direct, directETag, new { supportContactResellerId = _a.Id }, HttpStatusCode.OK);
        using var nowVisible = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{direct}");
        var sub = await ExpectAsync(nowVisible, HttpStatusCode.OK);
        var more = await PatchAsync(reseller, direct, ETagOf(nowVisible), new { quantity = 7 }, HttpStatusCode.OK);
        Assert.Equal(7, more.GetProperty("quantity").GetInt32());
        using var notOwn = await SendAsync(reseller, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{direct}", new { partnerOfRecordResellerId = _a.Id }, ifMatch: "*");
        await ExpectAsync(notOwn, HttpStatusCode.Forbidden);
        _ = sub;

        var (bought, _) = await BuyAsync(reseller, new { offerId = "exchange-online-p1", quantity = 10, termDuration = "P1M", billingCycle = "monthly" });
        using var boughtRead = await reseller.GetAsync($"/api/customers/{_customerId}/subscriptions/{bought}");
        Assert.Equal(_a.MpnId, (await ExpectAsync(boughtRead, HttpStatusCode.OK)).GetProperty("partnerIdOnRecord").GetString());
        var b = await _kit.CreateResellerAsync("Reseller B");
        using var forOther = await reseller.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "exchange-online-p1", quantity = 10, termDuration = "P1M", billingCycle = "monthly", partnerOfRecordResellerId = b.Id });
        Assert.Equal(["partnerOfRecordResellerId"], ErrorFields(await ExpectAsync(forOther, HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task Buying_again_with_the_same_idempotency_key_returns_the_first_subscription()
    {
        using var provider = _kit.Provider();
        var body = new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" };

        using var first = await SendAsync(provider, HttpMethod.Post, $"/api/customers/{_customerId}/subscriptions", body, idempotencyKey: "buy-1");
        using var second = await SendAsync(provider, HttpMethod.Post, $"/api/customers/{_customerId}/subscriptions", body, idempotencyKey: "buy-1");

        Assert.Equal((await ExpectAsync(first, HttpStatusCode.Created)).GetProperty("id").GetString(), (await ExpectAsync(second, HttpStatusCode.OK)).GetProperty("id").GetString());
        using var all = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions");
        Assert.Equal(2, (await ExpectAsync(all, HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
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
        var mine = (await ExpectAsync(first, HttpStatusCode.Created)).GetProperty("id").GetString();

        // Another reseller with the same key gets a purchase of its own, never reseller A's subscription.
        using var other = await SendAsync(resellerB, HttpMethod.Post, url, body, idempotencyKey: "shared-key");
        var theirs = await ExpectAsync(other, HttpStatusCode.Created);
        Assert.NotEqual(mine, theirs.GetProperty("id").GetString());
        Assert.Equal(b.Id, theirs.GetProperty("partnerOfRecordResellerId").GetString());

        // The same caller and key with another body is refused, naming the header.
        using var changed = await SendAsync(resellerA, HttpMethod.Post, url, body with { quantity = 4 }, idempotencyKey: "shared-key");
        var problem = await ExpectAsync(changed, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", problem.GetRawText(), StringComparison.Ordinal);

        using var repeat = await SendAsync(resellerA, HttpMethod.Post, url, body, idempotencyKey: "shared-key");
        Assert.Equal(mine, (await ExpectAsync(repeat, HttpStatusCode.OK)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_stale_if_match_gets_412_even_when_the_change_is_invalid_against_the_stored_state()
    {
        using var provider = _kit.Provider();
        var (id, staleETag) = await BuyAsync(provider, new { offerId = "o365-e3", quantity = 3, termDuration = "P1M", billingCycle = "monthly" });
        await PatchAsync(provider, id, staleETag, new { status = "Suspended" }, HttpStatusCode.OK);

        // Against the stored state (now suspended) a license change is invalid; but the client read an older version.
        var problem = await PatchAsync(provider, id, staleETag, new { quantity = 4 }, HttpStatusCode.PreconditionFailed);
        Assert.Equal("urn:tier2:problem:precondition-failed", problem.GetProperty("type").GetString());

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
        Assert.Contains((await ExpectAsync(list, HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);

        foreach (var body in new object[] { new { quantity = 4 }, new { status = "Suspended" } })
        {
            using var change = await SendAsync(reseller, HttpMethod.Patch, $"/api/customers/{_customerId}/subscriptions/{id}", body, ifMatch: etag);
            var problem = await ExpectAsync(change, HttpStatusCode.Forbidden);
            Assert.Equal("urn:tier2:problem:forbidden", problem.GetProperty("type").GetString());
            Assert.Contains("Suspended", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var buy = await reseller.PostAsJsonAsync($"/api/customers/{_customerId}/subscriptions", new { offerId = "o365-e3", quantity = 1, termDuration = "P1M", billingCycle = "monthly" });
        Assert.Contains("Suspended", (await ExpectAsync(buy, HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var read = await provider.GetAsync($"/api/customers/{_customerId}/subscriptions/{id}");
        Assert.Equal(3, (await ExpectAsync(read, HttpStatusCode.OK)).GetProperty("quantity").GetInt32());
    }
}
