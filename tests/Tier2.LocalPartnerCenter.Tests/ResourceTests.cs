using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter.Tests;

public sealed class ResourceTests
{
    [Fact]
    public async Task Every_answer_echoes_MS_RequestId_and_MS_CorrelationId_and_the_request_headers_are_recorded()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();

        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, "v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", requestId: "rid-1");

        ResourceCollection<PartnerRelationship> relationships = await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionPartnerRelationship);
        Assert.Equal(PartnerCenterCaller.ResellerMpn, Assert.Single(relationships.Items).MpnId);
        Assert.Equal("rid-1", response.Headers.GetValues("MS-RequestId").Single());
        Assert.True(response.Headers.Contains("MS-CV") && response.Headers.Contains("MS-ServerId"));
        SeenRequest seen = Assert.Single(pc.RequestsTo("GET", "/v1/relationships"));
        Assert.Equal("v1", seen.Headers["MS-Contract-Version"]);
        Assert.False(seen.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Creating_a_customer_again_with_the_same_MS_RequestId_returns_the_first_customer()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();

        Customer first = await caller.CreateCustomerAsync("wingtip1", requestId: "same-request");
        Customer again = await caller.CreateCustomerAsync("wingtip1", requestId: "same-request");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("admin", first.UserCredentials!.UserName);
        Assert.Equal(first.UserCredentials.Password, again.UserCredentials!.Password);
        Assert.Equal(1, pc.Counts().Customers);
    }

    [Fact]
    public async Task A_taken_domain_is_200_on_HEAD_and_refused_on_create_with_800002()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        pc.TakeDomain("contoso.onmicrosoft.com");

        using HttpResponseMessage taken = await caller.SendAsync(HttpMethod.Head, "v1/domains/contoso.onmicrosoft.com");
        using HttpResponseMessage free = await caller.SendAsync(HttpMethod.Head, "v1/domains/fabrikam.onmicrosoft.com");
        using HttpResponseMessage create = await caller.SendAsync(HttpMethod.Post, "v1/customers", JsonContent.Create(PartnerCenterCaller.NewCustomer("contoso.onmicrosoft.com"), PartnerCenterJson.Default.Customer));

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, free.StatusCode);
        Assert.Equal(800002, (await PartnerCenterCaller.ReadAsync(create, HttpStatusCode.BadRequest, PartnerCenterJson.Default.ApiError)).Code);
    }

    [Fact]
    public async Task Customer_pages_follow_relative_next_links_with_the_continuation_header()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        for (int i = 0; i < 5; i++)
        {
            await caller.CreateCustomerAsync($"paged{i}");
        }

        string filter = Uri.EscapeDataString($$"""{"Field":"IndirectReseller","Value":"{{PartnerCenterCaller.ResellerTenant}}","Operator":"starts_with"}""");
        List<string> ids = [];
        List<string> nextUris = [];
        ResourceCollection<Customer> page = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, $"v1/customers?size=2&filter={filter}"), HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionCustomer);
        ids.AddRange(page.Items.Select(c => c.Id!));
        while (page.Links?.Next is { } next)
        {
            nextUris.Add(next.Uri);
            string path = next.Uri.StartsWith("/v1/", StringComparison.Ordinal) ? next.Uri : "/v1" + next.Uri;
            using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, path, headers: [.. next.Headers.Select(h => (h.Key, h.Value))]);
            page = await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionCustomer);
            ids.AddRange(page.Items.Select(c => c.Id!));
        }

        Assert.Equal(5, ids.Distinct().Count());
        Assert.Null(page.ContinuationToken);
        Assert.StartsWith("/customers?", nextUris[0], StringComparison.Ordinal);
        Assert.StartsWith("/v1/customers?", nextUris[1], StringComparison.Ordinal);
        Assert.All(nextUris, u => Assert.EndsWith("&seekOperation=next", u, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Seeded_customers_of_a_reseller_are_listed_by_its_filter_and_the_admin_api_seeds_them_too()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        string seeded = pc.SeedCustomer(new SeededCustomer(PartnerCenterCaller.ResellerTenant, "Adatum", "adatum"));
        string other = pc.SeedCustomer(new SeededCustomer(Guid.NewGuid().ToString(), "Elsewhere", "elsewhere.onmicrosoft.com"));
        using HttpClient admin = new() { BaseAddress = pc.BaseUrl };
        using HttpResponseMessage posted = await admin.PostAsync("_local/customers", JsonContent.Create(new SeededCustomer(PartnerCenterCaller.ResellerTenant, "Litware", "litware.onmicrosoft.com"), PartnerCenterJson.Default.SeededCustomer));
        Customer viaAdmin = await PartnerCenterCaller.ReadAsync(posted, HttpStatusCode.Created, PartnerCenterJson.Default.Customer);

        string filter = Uri.EscapeDataString($$"""{"Field":"IndirectReseller","Value":"{{PartnerCenterCaller.ResellerTenant}}","Operator":"starts_with"}""");
        ResourceCollection<Customer> page = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, $"v1/customers?size=10&filter={filter}"), HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionCustomer);

        Assert.Equal(new[] { seeded, viaAdmin.Id! }.Order(StringComparer.Ordinal), page.Items.Select(c => c.Id!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(page.Items, c => c.Id == other);
        Customer adatum = Assert.Single(page.Items, c => c.Id == seeded);
        Assert.Equal("adatum.onmicrosoft.com", adatum.CompanyProfile!.Domain);
        Assert.Equal("reseller", adatum.RelationshipToPartner);
    }

    [Theory]
    [InlineData(RelationshipRequestShape.Documented, "url")]
    [InlineData(RelationshipRequestShape.Collection, "items")]
    [InlineData(RelationshipRequestShape.Unrecognized, "invitationLink")]
    public async Task The_relationship_request_link_for_a_reseller_comes_in_the_shape_the_option_picks(RelationshipRequestShape shape, string property)
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { RelationshipRequestShape = shape });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();

        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, $"v1/customers/relationshiprequests?indirectResellerId={PartnerCenterCaller.ResellerTenant}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Raw JSON on purpose: the shapes differ only in the wire name that carries the link, which is what this pins.
        using System.Text.Json.JsonDocument body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.TryGetProperty(property, out _));
        Assert.Contains(PartnerCenterCaller.ResellerTenant, body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Customer_search_with_another_operator_is_400_with_code_2000()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        string filter = Uri.EscapeDataString("""{"Field":"CompanyName","Value":"W","Operator":"contains"}""");

        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Get, $"v1/customers?size=10&filter={filter}");

        Assert.Equal(2000, (await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.BadRequest, PartnerCenterJson.Default.ApiError)).Code);
    }

    [Fact]
    public async Task Checkout_twice_returns_the_first_result_and_the_order_gets_subscriptions_after_provisioning()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.FromMilliseconds(300) });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("checkout1");

        CartCheckoutResult first = await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult);
        CartCheckoutResult again = await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult);
        Order order = Assert.Single(first.Orders);
        Assert.Equal(order.Id, Assert.Single(again.Orders).Id);
        Assert.Equal("pending", order.Status);
        Assert.Null(order.LineItems[0].SubscriptionId);
        Assert.Equal(PartnerCenterCaller.ResellerMpn, order.LineItems[0].PartnerIdOnRecord);

        await Task.Delay(400);
        Order provisioned = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, $"v1/customers/{customer.Id}/orders/{order.Id}"), HttpStatusCode.OK, PartnerCenterJson.Default.Order);
        Assert.Equal("completed", provisioned.Status);
        Assert.NotNull(provisioned.LineItems[0].SubscriptionId);
        Assert.Equal(1, pc.Counts().Orders);
        Assert.Equal(1, pc.Counts().Subscriptions);
    }

    [Fact]
    public async Task A_second_checkout_while_the_first_runs_is_409_800064()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { CheckoutProcessingTime = TimeSpan.FromSeconds(3) });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("concurrent1");

        // The second call goes out once the server has the first (not after a fixed pause, which a loaded machine outruns).
        Task<HttpResponseMessage> first = caller.CheckoutAsync(customer, cart);
        while (!pc.IsCheckingOut(cart.Id!))
        {
            await Task.Delay(20);
        }

        using HttpResponseMessage second = await caller.CheckoutAsync(customer, cart);

        Assert.Equal(800064, (await PartnerCenterCaller.ReadAsync(second, HttpStatusCode.Conflict, PartnerCenterJson.Default.ApiError)).Code);
        Assert.Equal(HttpStatusCode.Created, (await first).StatusCode);
    }

    [Fact]
    public async Task Checkout_without_an_attested_customer_agreement_is_403_13605()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        Customer customer = await caller.CreateCustomerAsync("nomca1");
        Cart cart = new(PartnerOnRecordAttestationAccepted: true, LineItems:
            [new CartLineItem(1, "CFQ7TTC0LH18:0001:CFQ7TTC0K971", 1, "monthly", "P1Y", [new KeyValue("transaction_reseller", PartnerCenterCaller.ResellerMpn)])]);
        Cart created = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Post, $"v1/customers/{customer.Id}/carts", JsonContent.Create(cart, PartnerCenterJson.Default.Cart)), HttpStatusCode.Created, PartnerCenterJson.Default.Cart);

        using HttpResponseMessage checkout = await caller.CheckoutAsync(customer, created);

        Assert.Equal(13605, (await PartnerCenterCaller.ReadAsync(checkout, HttpStatusCode.Forbidden, PartnerCenterJson.Default.ApiError)).Code);
    }

    [Fact]
    public async Task A_withdrawn_catalog_item_is_no_longer_listed_and_a_cart_naming_it_is_refused_with_900142()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        const string Item = "CFQ7TTC0LH18:0001:CFQ7TTC0K971";
        Customer customer = await caller.CreateCustomerAsync("withdrawn1");

        Assert.True(pc.WithdrawCatalogItem(Item));

        ResourceCollection<Availability> listed = await PartnerCenterCaller.ReadAsync(
            await caller.SendAsync(HttpMethod.Get, "v1/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US"), HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionAvailability);
        Assert.Empty(listed.Items);
        Cart cart = new(PartnerOnRecordAttestationAccepted: true, LineItems:
            [new CartLineItem(1, Item, 1, "monthly", "P1Y", [new KeyValue("transaction_reseller", PartnerCenterCaller.ResellerMpn)])]);
        using HttpResponseMessage refused = await caller.SendAsync(HttpMethod.Post, $"v1/customers/{customer.Id}/carts", JsonContent.Create(cart, PartnerCenterJson.Default.Cart));
        Assert.Equal(900142, (await PartnerCenterCaller.ReadAsync(refused, HttpStatusCode.BadRequest, PartnerCenterJson.Default.ApiError)).Code);
        Assert.False(pc.WithdrawCatalogItem(Item));
    }

    [Fact]
    public async Task A_minimal_PATCH_turns_auto_renew_off_and_is_recorded_while_a_full_one_keeps_it()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("patch1", quantity: 3);
        string subscriptionId = (await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult)).Orders[0].LineItems[0].SubscriptionId!;
        string path = $"v1/customers/{customer.Id}/subscriptions/{subscriptionId}";
        Subscription current = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, path), HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);

        Subscription full = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Patch, path, JsonContent.Create(current with { Quantity = 4 }, PartnerCenterJson.Default.Subscription)), HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);
        Subscription minimal = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Patch, path, new StringContent("""{"quantity":5}""", Encoding.UTF8, "application/json")), HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);

        Assert.True(full.AutoRenewEnabled);
        Assert.Equal(4, full.Quantity);
        Assert.False(minimal.AutoRenewEnabled);
        Assert.Equal([false, true], pc.PatchBodies.Select(p => p.AutoRenewTurnedOff));
    }

    [Fact]
    public async Task Decreasing_quantity_after_the_refund_window_is_400_800090()
    {
        Microsoft.Extensions.Time.Testing.FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero, TimeProvider = clock });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("decrease1", quantity: 3);
        string subscriptionId = (await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult)).Orders[0].LineItems[0].SubscriptionId!;
        string path = $"v1/customers/{customer.Id}/subscriptions/{subscriptionId}";
        Subscription current = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, path), HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);

        clock.Advance(TimeSpan.FromDays(8));
        await caller.AsAppPlusUserAsync(); // the access token lapsed with the clock
        using HttpResponseMessage response = await caller.SendAsync(HttpMethod.Patch, path, JsonContent.Create(current with { Quantity = 2 }, PartnerCenterJson.Default.Subscription));

        Assert.Equal(800090, (await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.BadRequest, PartnerCenterJson.Default.ApiError)).Code);
    }
    [Fact]
    public async Task A_subscription_change_is_audited_as_update_subscription_with_the_user_who_made_it_and_the_old_and_new_values()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero, RefuseSupportContactForNce = false });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("audit1", quantity: 3);
        string subscriptionId = (await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult)).Orders[0].LineItems[0].SubscriptionId!;
        string path = $"v1/customers/{customer.Id}/subscriptions/{subscriptionId}";
        Subscription current = await PartnerCenterCaller.ReadAsync(await caller.SendAsync(HttpMethod.Get, path), HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);
        // Someone working in the portal, signed in as themselves.
        caller.UseToken((await caller.RedeemAsync("refresh_token", ("refresh_token", pc.IssueRefreshToken("megan@provider.onmicrosoft.com").RefreshToken))).AccessToken);

        using (HttpResponseMessage patched = await caller.SendAsync(HttpMethod.Patch, path, JsonContent.Create(current with { Quantity = 5 }, PartnerCenterJson.Default.Subscription)))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        using (HttpResponseMessage contact = await caller.SendAsync(HttpMethod.Put, path + "/supportcontact", JsonContent.Create(new SupportContact(PartnerCenterCaller.ResellerTenant, PartnerCenterCaller.ResellerMpn, "First Up Consultants"), PartnerCenterJson.Default.SupportContact)))
        {
            Assert.Equal(HttpStatusCode.OK, contact.StatusCode);
        }

        string filter = Uri.EscapeDataString($$"""{"Field":"CustomerId","Value":"{{customer.Id}}","Operator":"substring"}""");
        ResourceCollection<AuditRecord> records = await PartnerCenterCaller.ReadAsync(
            await caller.SendAsync(HttpMethod.Get, $"v1/auditrecords?startDate={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}&filter={filter}"),
            HttpStatusCode.OK,
            PartnerCenterJson.Default.ResourceCollectionAuditRecord);

        List<AuditRecord> changes = [.. records.Items.Where(r => r.OperationType == "update_subscription")];
        Assert.Equal(2, changes.Count);
        Assert.All(changes, r => Assert.Equal("megan@provider.onmicrosoft.com", r.UserPrincipalName));
        Assert.All(changes, r => Assert.Equal(pc.Options.ClientId, r.ApplicationId));
        Assert.Equal(5, JsonSerializer.Deserialize(changes[0].ResourceNewValue!, PartnerCenterJson.Default.Subscription)!.Quantity);
        Assert.Equal(3, JsonSerializer.Deserialize(changes[0].ResourceOldValue!, PartnerCenterJson.Default.Subscription)!.Quantity);
        Assert.Equal(PartnerCenterCaller.ResellerMpn, JsonSerializer.Deserialize(changes[1].ResourceNewValue!, PartnerCenterJson.Default.AuditedSupportContact)!.SupportContact!.SupportMpnId);
    }
}
