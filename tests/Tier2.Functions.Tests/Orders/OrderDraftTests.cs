using Tier2.Functions.Orders;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

public sealed class OrderDraftTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    private static Dictionary<string, string> Problems(OrderView view) =>
        view.Problems.ToDictionary(p => p.Field, p => p.Code);

    [Fact]
    public async Task A_draft_answers_201_with_every_line_and_every_problem()
    {
        var suspended = await _kit.CreateResellerAsync("Paused Resale", ResellerStatus.Suspended);
        using var provider = _kit.Provider();

        var (_, _, view) = await CreateDraftAsync(provider, OrderBody(suspended.Id, "9-bad prefix", "Problem Co", ("no-such-offer", 1, "P1M", "monthly"), ("o365-e3", 301, "P1M", "monthly"), ("defender-business", 2, "P1M", "annual")));

        Assert.Equal(OrderStatus.Draft, view.Status);
        Assert.False(view.CanSubmit);
        Assert.Equal(3, view.LineItems.Count);
        Assert.Equal("Office 365 E3", view.LineItems[1].OfferName);
        var problems = Problems(view);
        Assert.Equal("reseller-not-active", problems["resellerId"]);
        Assert.Equal("domain-prefix-malformed", problems["customer.domainPrefix"]);
        Assert.Equal("unknown-offer", problems["lineItems[0].offerId"]);
        Assert.Equal("quantity-out-of-range", problems["lineItems[1].quantity"]);
        Assert.Equal("quantity-out-of-range", problems["lineItems[2].quantity"]);
        Assert.Equal("billingCycle-not-offered", problems["lineItems[2].billingCycle"]);
        Assert.True(6 == problems.Count, string.Join("; ", problems));
    }

    [Fact]
    public async Task An_unknown_reseller_and_missing_customer_details_are_reported()
    {
        using var provider = _kit.Provider();
        var body = OrderBody("0123456789abcdef0123456789abcdef", NewDomainPrefix(), "", ("o365-e3", 1, "P1M", "monthly"));
        ((Dictionary<string, object?>)body["customer"]!)["email"] = "not-an-email";

        var (_, _, view) = await CreateDraftAsync(provider, body);

        var problems = Problems(view);
        Assert.Equal("reseller-not-found", problems["resellerId"]);
        Assert.Equal("required", problems["customer.companyName"]);
        Assert.Equal("malformed", problems["customer.email"]);
    }

    [Fact]
    public async Task A_domain_prefix_held_by_a_submitted_order_is_reported_taken_and_refused_at_submit()
    {
        using var provider = _kit.Provider();
        var prefix = NewDomainPrefix();
        var (first, firstETag, _) = await CreateDraftAsync(provider, OrderBody(null, prefix, "First Co", ("o365-e3", 1, "P1M", "monthly")));
        var (second, secondETag, secondView) = await CreateDraftAsync(provider, OrderBody(null, prefix.ToUpperInvariant(), "Second Co", ("o365-e3", 1, "P1M", "monthly")));
        Assert.Empty(secondView.Problems);

        await SubmitAndWaitAsync(provider, first, firstETag);

        using var review = await provider.GetAsync($"/api/orders/{second}");
        Assert.Equal("domain-prefix-taken", Problems(await ExpectAsync<OrderView>(review, HttpStatusCode.OK))["customer.domainPrefix"]);
        using var submit = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{second}/submit", ifMatch: secondETag);
        var problem = await ExpectAsync<HttpValidationProblemDetails>(submit, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey("customer.domainPrefix"));
    }

    [Fact]
    public async Task Patching_a_draft_needs_its_current_etag_and_answers_a_new_review()
    {
        using var provider = _kit.Provider();
        var (id, etag, view) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Patch Co", ("o365-e3", 999, "P1M", "monthly")));
        Assert.Equal("quantity-out-of-range", Problems(view)["lineItems[0].quantity"]);
        var fix = new { lineItems = new[] { new { offerId = "o365-e3", quantity = 10, termDuration = "P1Y", billingCycle = "annual" } } };

        using var without = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", fix);
        await ExpectAsync(without, (HttpStatusCode)428);
        using var stale = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", fix, ifMatch: "W/\"datetime'2000-01-01T00%3A00%3A00Z'\"");
        await ExpectAsync(stale, HttpStatusCode.PreconditionFailed);
        using var patched = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", fix, ifMatch: etag);
        var after = await ExpectAsync<OrderView>(patched, HttpStatusCode.OK);

        Assert.True(after.CanSubmit);
        Assert.Equal(10, after.LineItems[0].Quantity);
        Assert.Equal("Patch Co", after.Customer.CompanyName);
        using var reused = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", fix, ifMatch: etag);
        await ExpectAsync(reused, HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Submitting_a_draft_with_problems_answers_422_naming_the_fields()
    {
        using var provider = _kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Bad Co", ("o365-e3", 0, "P1M", "monthly")));

        using var submit = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag);

        var problem = await ExpectAsync<HttpValidationProblemDetails>(submit, HttpStatusCode.BadRequest);
        Assert.Equal("urn:tier2:problem:validation", problem.Type);
        Assert.True(problem.Errors.ContainsKey("lineItems[0].quantity"));
        using var still = await provider.GetAsync($"/api/orders/{id}");
        Assert.Equal(OrderStatus.Draft, (await ExpectAsync<OrderView>(still, HttpStatusCode.OK)).Status);
    }

    [Fact]
    public async Task Cancelling_a_draft_cancels_it_and_it_can_no_longer_change()
    {
        using var provider = _kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Gone Co", ("o365-e3", 1, "P1M", "monthly")));

        using var cancel = await provider.PostAsync($"/api/orders/{id}/cancel", null);
        var view = await ExpectAsync<OrderView>(cancel, HttpStatusCode.OK);

        Assert.Equal(OrderStatus.Cancelled, view.Status);
        using var patch = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", new { resellerId = "" }, ifMatch: "*");
        await ExpectAsync(patch, HttpStatusCode.Conflict);
        using var submit = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: "*");
        await ExpectAsync(submit, HttpStatusCode.Conflict);
        _ = etag;
    }

    [Fact]
    public async Task Creating_with_the_same_idempotency_key_returns_the_first_draft()
    {
        using var provider = _kit.Provider();
        var body = OrderBody(null, NewDomainPrefix(), "Key Co", ("o365-e3", 1, "P1M", "monthly"));

        using var first = await SendAsync(provider, HttpMethod.Post, "/api/orders", body, idempotencyKey: "draft-1");
        using var second = await SendAsync(provider, HttpMethod.Post, "/api/orders", body, idempotencyKey: "draft-1");

        var a = await ExpectAsync<OrderView>(first, HttpStatusCode.Created);
        var b = await ExpectAsync<OrderView>(second, HttpStatusCode.OK);
        Assert.Equal(a.Id, b.Id);
    }

    [Fact]
    public async Task A_request_without_customer_or_lines_is_refused_without_a_draft()
    {
        using var provider = _kit.Provider();

        using var response = await provider.PostAsJsonAsync("/api/orders", new { resellerId = (string?)null });

        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey("customer"));
        Assert.True(problem.Errors.ContainsKey("lineItems"));
    }

    [Fact]
    public async Task Missing_contact_names_are_reported_on_firstName_and_lastName()
    {
        using var provider = _kit.Provider();
        var body = OrderBody(null, NewDomainPrefix(), "Nameless Co", ("o365-e3", 1, "P1M", "monthly"));
        ((Dictionary<string, object?>)body["customer"]!)["contact"] = new Dictionary<string, object?> { ["firstName"] = " ", ["lastName"] = null, ["email"] = "ada@customer.example" };

        var (_, _, view) = await CreateDraftAsync(provider, body);

        var problems = Problems(view);
        Assert.Equal("required", problems["customer.contact.firstName"]);
        Assert.Equal("required", problems["customer.contact.lastName"]);
        Assert.False(problems.ContainsKey("customer.contact"));
    }

    [Fact]
    public async Task An_idempotency_key_reused_with_a_different_body_answers_422_naming_the_header()
    {
        using var provider = _kit.Provider();
        var prefix = NewDomainPrefix();
        using var first = await SendAsync(provider, HttpMethod.Post, "/api/orders", OrderBody(null, prefix, "Key Co", ("o365-e3", 1, "P1M", "monthly")), idempotencyKey: "draft-2");
        var created = await ExpectAsync<OrderView>(first, HttpStatusCode.Created);

        using var second = await SendAsync(provider, HttpMethod.Post, "/api/orders", OrderBody(null, prefix, "Other Co", ("o365-e3", 7, "P1M", "monthly")), idempotencyKey: "draft-2");
        var problem = await ExpectAsync<HttpValidationProblemDetails>(second, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:tier2:problem:validation", problem.Type);
        Assert.True(problem.Errors.ContainsKey("Idempotency-Key"));

        using var read = await provider.GetAsync($"/api/orders/{created.Id}");
        Assert.Equal("Key Co", (await ExpectAsync<OrderView>(read, HttpStatusCode.OK)).Customer.CompanyName);
    }

    [Theory]
    [InlineData("companyName", "Tailspin\r\nBcc: x@evil.example")]
    [InlineData("companyName", "Tail\0spin")]
    [InlineData("city", "Red\nmond")]
    [InlineData("firstName", "Ada\u0085")]
    public async Task Control_characters_in_the_customers_details_answer_400_naming_the_field(string field, string value)
    {
        using var provider = _kit.Provider();
        var body = OrderBody(null, NewDomainPrefix(), "Clean Co", ("o365-e3", 1, "P1M", "monthly"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(body))!;
        var (target, path) = field switch
        {
            "city" => (json["customer"]!["address"]!, "customer.address.city"),
            "firstName" => (json["customer"]!["contact"]!, "customer.contact.firstName"),
            _ => (json["customer"]!, "customer." + field),
        };
        target[field] = value;

        using var response = await provider.PostAsync("/api/orders", new StringContent(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.Equal([path], problem.Errors.Keys.ToArray());
    }

    [Fact]
    public async Task A_stale_if_match_gets_412_even_when_the_order_can_no_longer_change()
    {
        using var provider = _kit.Provider();
        var (id, staleETag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Stale Co", ("o365-e3", 1, "P1M", "monthly")));
        using var cancel = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/cancel", ifMatch: staleETag);
        await ExpectAsync(cancel, HttpStatusCode.OK);

        // Against the stored state (Cancelled) these are 409; the client's ETag is older, so they are 412 first.
        using var patch = await SendAsync(provider, HttpMethod.Patch, $"/api/orders/{id}", new { resellerId = "" }, ifMatch: staleETag);
        await ExpectAsync(patch, HttpStatusCode.PreconditionFailed);
        using var submit = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: staleETag);
        await ExpectAsync(submit, HttpStatusCode.PreconditionFailed);
        using var cancelAgain = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/cancel", ifMatch: staleETag);
        await ExpectAsync(cancelAgain, HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Order_view_wire_names_are_camelCase_and_stable()
    {
        // The one test that reads an order as raw JSON: the others read OrderView, so this pins what clients see.
        var reseller = await _kit.CreateResellerAsync("Wire Resale");
        using var provider = _kit.Provider();
        using var response = await provider.PostAsJsonAsync("/api/orders", OrderBody(reseller.Id, NewDomainPrefix(), "Wire Co", ("o365-e3", 999, "P1M", "monthly")));
        var order = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(
            ["id", "status", "resellerId", "reseller", "customer", "domain", "adminUserName", "lineItems", "problems", "canSubmit", "customerId", "setupInfoAvailable", "cancelRequested", "failureReason", "createdAt", "createdBy", "submittedAt", "completedAt", "statusLocation", "partnerCenter"],
            Names(order));
        Assert.Equal(["id", "companyName", "mpnId", "status"], Names(order.GetProperty("reseller")));
        Assert.Equal(["companyName", "domainPrefix", "email", "culture", "language", "address", "contact"], Names(order.GetProperty("customer")));
        Assert.Equal(["index", "offerId", "offerName", "quantity", "termDuration", "billingCycle", "partnerIdOnRecord", "catalogItemId"], Names(order.GetProperty("lineItems")[0]));
        Assert.Equal(["field", "code", "message"], Names(order.GetProperty("problems")[0]));
        Assert.Equal("Draft", order.GetProperty("status").GetString());

        static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
    }
}
