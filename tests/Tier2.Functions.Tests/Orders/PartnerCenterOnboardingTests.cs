using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Tier2.Functions.Orders;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;
using Local = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.Orders;

/// <summary>
/// <c>CustomerOnboarding</c> with Partner Center Enabled, against a local Partner Center of each test's own (seeded
/// with the reseller as a partner, the provider's account connected): the seed's procedure end to end, each fault
/// the local server can arm, a resubmit, and no secret where none belongs.
/// </summary>
public sealed class PartnerCenterOnboardingTests
{
    private static readonly (string OfferId, int Quantity, string Term, string Billing)[] Lines =
        [("m365-business-premium", 10, "P1Y", "monthly"), ("exchange-online-p1", 5, "P1M", "monthly")];

    private static readonly FaultSpec CreateCustomer = new("/v1/customers", FaultKind.ServerError, Method: "POST");

    private const string Checkout = "/v1/customers/*/carts/*/checkout";

    /// <summary>404/400019 "Availability not found" at checkout (FACTS 2.2, 6.1): the catalog item went stale.</summary>
    private static readonly FaultSpec StaleAvailability = new(Checkout, FaultKind.Error, Method: "POST", Status: 404, Code: 400019, Description: "Availability not found");

    [Fact]
    public async Task Onboarding_creates_the_customer_attests_the_agreement_and_orders_with_the_reseller_as_partner_of_record_in_partner_center()
    {
        await using var t = await Setup.StartAsync();
        var order = await t.OnboardAsync("contoso");

        Assert.Equal(OrderStatus.Completed, order.Status);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        Assert.Equal(order.PartnerCenter!.CustomerId, pcCustomer.Id);
        Assert.Equal(t.Reseller.TenantId.ToString(), pcCustomer.AssociatedPartnerId);
        Assert.Equal(order.Domain, pcCustomer.CompanyProfile!.Domain);

        var agreement = Assert.Single(t.Pc.AgreementsOf(pcCustomer.Id!));
        Assert.Equal("MicrosoftCustomerAgreement", agreement.Type);
        Assert.Equal("ada@customer.example", agreement.PrimaryContact!.Email);

        var cart = Assert.Single(t.Pc.CartsOf(pcCustomer.Id!));
        Assert.True(cart.PartnerOnRecordAttestationAccepted);
        Assert.Equal(Lines.Length, cart.LineItems!.Count);
        Assert.All(cart.LineItems, l => Assert.Equal(t.Reseller.MpnId, Assert.Single(l.Participants!, p => p.Key == "transaction_reseller").Value));
        var pcOrder = Assert.Single(t.Pc.OrdersOf(pcCustomer.Id!));
        Assert.Equal([pcOrder.Id], order.PartnerCenter.OrderIds);
        Assert.Equal(cart.Id, order.PartnerCenter.CartId);
        Assert.True(order.PartnerCenter.AgreementAttested);

        // Tier2's rows carry the Partner Center ids, shown by the API.
        var customer = await t.Provider.GetFromJsonAsync<Functions.Customers.CustomerView>($"/api/customers/{order.CustomerId}");
        Assert.Equal(pcCustomer.Id, customer!.PartnerCenterId);
        Assert.Equal(order.CustomerId, await IndexedCustomerIdAsync(t.Kit.Services.GetRequiredService<Functions.Customers.CustomerStore>(), pcCustomer.Id!));
        Assert.Equal(Lines.Length, customer.Subscriptions.Count);
        var expectedIds = pcOrder.LineItems.Select(l => l.SubscriptionId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedIds, customer.Subscriptions.Select(s => s.PartnerCenterSubscriptionId).Order(StringComparer.Ordinal).ToList());
        Assert.All(customer.Subscriptions, s => Assert.Equal(t.Reseller.MpnId, s.PartnerIdOnRecord));
        Assert.All(customer.Subscriptions, s => Assert.Equal(pcOrder.Id, s.PartnerCenterOrderId));

        // The password Partner Center issued, readable once.
        await t.AssertPasswordShownOnceAsync(order, t.Pc.IssuedPassword(pcCustomer.Id!)!);
    }

    [Fact]
    public async Task A_500_on_the_customer_create_is_retried_into_one_customer()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(CreateCustomer with { Count = 2 });

        var order = await t.OnboardAsync("retry");

        Assert.Equal(OrderStatus.Completed, order.Status);
        Assert.Single(t.Pc.Customers());
        Assert.True(t.Pc.RequestsTo("POST", "/v1/customers").Count >= 3);
    }

    [Fact]
    public async Task A_timeout_after_the_customer_was_created_gets_the_first_answer_again_one_customer_and_its_password()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(CreateCustomer with { Kind = FaultKind.TimeoutAfterChange });

        var order = await t.OnboardAsync("lostanswer");

        Assert.Equal(OrderStatus.Completed, order.Status);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        var creates = t.Pc.RequestsTo("POST", "/v1/customers");
        Assert.True(creates.Count >= 2, "the create was not repeated");
        Assert.Single(creates.Select(r => r.Headers["MS-RequestId"]).Distinct());
        await t.AssertPasswordShownOnceAsync(order, t.Pc.IssuedPassword(pcCustomer.Id!)!);
    }

    [Fact]
    public async Task A_create_whose_answers_are_all_lost_fails_and_a_resubmit_adopts_the_customer_found_by_its_domain_without_its_password()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(CreateCustomer with { Kind = FaultKind.TimeoutAfterChange, Count = 1000 });
        var failed = await t.OnboardAsync("allost");
        Assert.Equal(OrderStatus.Failed, failed.Status);
        Assert.Null(failed.PartnerCenter?.CustomerId);
        t.Pc.ClearFaults();

        var order = await t.ResubmitAsync(failed.Id);

        Assert.True(order.Status == OrderStatus.Completed, order.FailureReason);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        Assert.Equal(pcCustomer.Id, order.PartnerCenter!.CustomerId);
        using var info = await t.Provider.GetAsync($"/api/orders/{order.Id}/setup-info");
        var gone = await ExpectAsync<ProblemDetails>(info, HttpStatusCode.Gone);
        Assert.Contains("Reset the admin user's password in Partner Center", gone.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Order_errors_fail_the_order_with_their_description_keeping_the_customer_and_a_resubmit_resumes_without_a_second_one()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(new FaultSpec(Checkout, FaultKind.OrderErrors, Method: "POST", Code: 800066, Description: "The desired number of subscriptions exceeded the maximum."));

        var failed = await t.OnboardAsync("ordererrors");

        Assert.Equal(OrderStatus.Failed, failed.Status);
        Assert.Contains("800066: The desired number of subscriptions exceeded the maximum.", failed.FailureReason, StringComparison.Ordinal);
        Assert.Contains("stays in Partner Center", failed.FailureReason, StringComparison.Ordinal);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        Assert.Equal(pcCustomer.Id, failed.PartnerCenter!.CustomerId);
        Assert.NotNull(await t.Provider.GetFromJsonAsync<Functions.Customers.CustomerView>($"/api/customers/{failed.CustomerId}"));

        var order = await t.ResubmitAsync(failed.Id);

        Assert.True(order.Status == OrderStatus.Completed, order.FailureReason);
        Assert.Single(t.Pc.Customers());
        Assert.Single(t.Pc.AgreementsOf(pcCustomer.Id!));
        Assert.Single(t.Pc.OrdersOf(pcCustomer.Id!));
        Assert.Equal(2, t.Pc.CartsOf(pcCustomer.Id!).Count);
        Assert.Equal(1, order.PartnerCenter!.Resubmissions);
        await t.AssertPasswordShownOnceAsync(order, t.Pc.IssuedPassword(pcCustomer.Id!)!);
    }

    [Fact]
    public async Task A_checkout_refused_for_a_stale_availability_reads_the_availabilities_again_once_and_checks_out_a_new_cart()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(StaleAvailability with { Count = 1 });

        var order = await t.OnboardAsync("stale");

        Assert.True(order.Status == OrderStatus.Completed, order.FailureReason);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        Assert.Equal(2, t.Pc.CartsOf(pcCustomer.Id!).Count);
        Assert.Equal(order.PartnerCenter!.CartId, t.Pc.CartsOf(pcCustomer.Id!)[^1].Id);
        Assert.Single(t.Pc.OrdersOf(pcCustomer.Id!));
        Assert.Equal(2, t.Pc.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/checkout", StringComparison.Ordinal)));
        Assert.Single(t.Pc.RequestsTo("GET", "/v1/products/CFQ7TTC0LCHC/skus/0002/availabilities"));
        Assert.Single(t.Pc.RequestsTo("GET", "/v1/products/CFQ7TTC0LH18/skus/0001/availabilities"));
    }

    [Fact]
    public async Task A_checkout_refused_for_a_stale_availability_again_after_the_new_read_fails_the_order_with_the_reason()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(StaleAvailability with { Count = 5 });

        var order = await t.OnboardAsync("stalestale");

        Assert.Equal(OrderStatus.Failed, order.Status);
        Assert.Contains("refused the catalog items again after they were read afresh (400019: Availability not found)", order.FailureReason, StringComparison.Ordinal);
        Assert.Equal(2, t.Pc.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/checkout", StringComparison.Ordinal)));
        Assert.Single(t.Pc.RequestsTo("GET", "/v1/products/CFQ7TTC0LCHC/skus/0002/availabilities"));
        Assert.Empty(t.Pc.OrdersOf(Assert.Single(t.Pc.Customers()).Id!));
    }

    [Fact]
    public async Task A_purchase_stands_when_a_sync_after_the_checkout_no_longer_lists_its_item()
    {
        await using var t = await Setup.StartAsync();
        using (var synced = await t.Provider.PostAsync("/api/offers/refresh", null))
        {
            await ExpectAsync(synced, HttpStatusCode.OK);
        }

        t.Pc.ArmFault(new FaultSpec(Checkout, FaultKind.SlowProvisioning, Method: "POST", ProvisioningDelaySeconds: 15));
        var (id, etag, _) = await CreateDraftAsync(t.Provider, OrderBody(t.Reseller.Id, NewDomainPrefix("delisted"), "Delisted Ltd", Lines));
        using (var submitted = await SendAsync(t.Provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag))
        {
            await ExpectAsync(submitted, HttpStatusCode.Accepted);
        }

        var placed = await Eventually.UntilAsync(
            () => t.Provider.GetFromJsonAsync<OrderView>($"/api/orders/{id}"), v => v!.PartnerCenter?.OrderIds.Count > 0 || v.Status is OrderStatus.Completed or OrderStatus.Failed or OrderStatus.Cancelled, TimeSpan.FromMinutes(2), "the checkout");
        Assert.True(placed!.Status == OrderStatus.Provisioning, $"the order settled before its item was withdrawn: {placed.Status} {placed.FailureReason}");
        Assert.True(t.Pc.WithdrawCatalogItem("CFQ7TTC0LH18:0001:CFQ7TTC0K971"));
        using (var resynced = await t.Provider.PostAsync("/api/offers/refresh", null))
        {
            await ExpectAsync(resynced, HttpStatusCode.OK);
        }

        var order = await WaitForOrderAsync(t.Provider, id);

        Assert.True(order.Status == OrderStatus.Completed, order.FailureReason);
        var customer = await t.Provider.GetFromJsonAsync<Functions.Customers.CustomerView>($"/api/customers/{order.CustomerId}");
        Assert.Contains(customer!.Subscriptions, s => s.OfferId == "exchange-online-p1" && s.PartnerCenterSubscriptionId is not null);
    }

    [Fact]
    public async Task A_partner_of_record_refusal_2072_fails_the_order_saying_so()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(new FaultSpec("/v1/customers/*/carts", FaultKind.Error, Method: "POST", Status: 404, Code: 2072, Description: "PartnerID of Indirect Provider isn't valid as Partner On Record"));

        var failed = await t.OnboardAsync("notrecord");

        Assert.Equal(OrderStatus.Failed, failed.Status);
        Assert.Contains("refused the reseller as partner of record (2072: PartnerID of Indirect Provider isn't valid as Partner On Record)", failed.FailureReason, StringComparison.Ordinal);
        Assert.Single(t.Pc.Customers());
    }

    [Fact]
    public async Task Slow_provisioning_is_waited_for_on_durable_timers_and_the_order_completes()
    {
        await using var t = await Setup.StartAsync();
        t.Pc.ArmFault(new FaultSpec(Checkout, FaultKind.SlowProvisioning, Method: "POST", ProvisioningDelaySeconds: 7));

        var order = await t.OnboardAsync("slowprov");

        Assert.Equal(OrderStatus.Completed, order.Status);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        var reads = t.Pc.Requests.Count(r => r.Method == "GET" && r.Path.StartsWith($"/v1/customers/{pcCustomer.Id}/orders/", StringComparison.OrdinalIgnoreCase));
        // Back-off from 2 s doubling: about 2, 4, 8 s of waiting for 7 s of provisioning, never a busy loop.
        Assert.InRange(reads, 2, 6);
        var customer = await t.Provider.GetFromJsonAsync<Functions.Customers.CustomerView>($"/api/customers/{order.CustomerId}");
        Assert.All(customer!.Subscriptions, s => Assert.False(string.IsNullOrEmpty(s.PartnerCenterSubscriptionId)));
    }

    [Fact]
    public async Task Two_orders_read_the_country_rules_and_the_agreement_template_once_validate_each_address_once_and_check_each_domain_at_review_submit_and_before_the_create()
    {
        await using var t = await Setup.StartAsync();

        var first = await t.OnboardAsync("callsone");
        var second = await t.OnboardAsync("callstwo");

        Assert.True(first.Status == OrderStatus.Completed, first.FailureReason);
        Assert.True(second.Status == OrderStatus.Completed, second.FailureReason);
        // Reference data, cached by the client for an hour: the second order reads neither (before: 3 rule reads and 1 template read an order).
        Assert.Single(t.Pc.RequestsTo("GET", "/v1/countryvalidationrules/US"));
        Assert.Single(t.Pc.RequestsTo("GET", "/v1/agreements"), r => r.Query.Contains("agreementType=MicrosoftCustomerAgreement", StringComparison.Ordinal));
        // The unchanged address, verified at create and recorded on the order: once an order (before: create, submit, Validate).
        Assert.Equal(2, t.Pc.RequestsTo("POST", "/v1/validations/address").Count);
        // The domain at submit (the 400 naming the field) and in Validate, right before the create (before: also at create).
        Assert.Equal(3, t.Pc.RequestsTo("HEAD", $"/v1/domains/{first.Domain}").Count);
        Assert.Equal(3, t.Pc.RequestsTo("HEAD", $"/v1/domains/{second.Domain}").Count);
        Assert.All(t.Pc.RequestsTo("POST", "/v1/validations/address"), r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task An_address_changed_after_it_was_verified_is_validated_again_and_one_verified_at_submit_is_not_sent_again_before_the_create()
    {
        await using var t = await Setup.StartAsync();
        var prefix = NewDomainPrefix("moved");
        var (id, etag, view) = await CreateDraftAsync(t.Provider, OrderBody(t.Reseller.Id, prefix, "Moved Co", Lines));
        Assert.Empty(view.Problems);
        Assert.Single(t.Pc.RequestsTo("POST", "/v1/validations/address"));

        // Moved to an address Partner Center cannot find: the draft's review and the submit both ask, and refuse it.
        using var unknown = await SendAsync(t.Provider, HttpMethod.Patch, $"/api/orders/{id}", MovedTo(prefix, "99999"), ifMatch: etag);
        Assert.Contains((await ExpectAsync<OrderView>(unknown, HttpStatusCode.OK)).Problems, p => p.Code == "address-not-verified");
        using var refused = await SendAsync(t.Provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: ETagOf(unknown));
        var problem = await ExpectAsync<HttpValidationProblemDetails>(refused, HttpStatusCode.BadRequest);
        Assert.True(problem.Errors.ContainsKey("customer.address"), string.Join(", ", problem.Errors.Keys));
        Assert.Equal(3, t.Pc.RequestsTo("POST", "/v1/validations/address").Count);

        // Moved again, to a real one: asked by the draft's review and the submit (which records it), not by Validate.
        using var found = await SendAsync(t.Provider, HttpMethod.Patch, $"/api/orders/{id}", MovedTo(prefix, "98052"), ifMatch: ETagOf(unknown));
        Assert.Empty((await ExpectAsync<OrderView>(found, HttpStatusCode.OK)).Problems);
        using var submitted = await SendAsync(t.Provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: ETagOf(found));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var order = await WaitForOrderAsync(t.Provider, id);

        Assert.True(order.Status == OrderStatus.Completed, order.FailureReason);
        Assert.Equal(5, t.Pc.RequestsTo("POST", "/v1/validations/address").Count);
        Assert.Equal("2 Elsewhere Rd", Assert.Single(t.Pc.Customers()).BillingProfile!.DefaultAddress!.AddressLine1);
    }

    private static Dictionary<string, object?> MovedTo(string prefix, string postalCode)
    {
        var customer = (Dictionary<string, object?>)OrderBody(null, prefix, "Moved Co")["customer"]!;
        customer["address"] = new Dictionary<string, object?> { ["addressLine1"] = "2 Elsewhere Rd", ["city"] = "Redmond", ["state"] = "WA", ["postalCode"] = postalCode, ["country"] = "US" };
        return new Dictionary<string, object?> { ["customer"] = customer };
    }

    [Fact]
    public async Task A_domain_taken_in_partner_center_is_reviewed_and_refused_at_submit_before_anything_is_created()
    {
        await using var t = await Setup.StartAsync();
        var prefix = NewDomainPrefix("taken");
        t.Pc.TakeDomain(prefix + ".onmicrosoft.com");

        // The Review page warns; the submit asks again and refuses.
        var (id, etag, view) = await CreateDraftAsync(t.Provider, OrderBody(t.Reseller.Id, prefix, "Taken Co", Lines));
        Assert.Contains(view.Problems, p => p.Code == "domain-taken" && p.Field == "customer.domainPrefix");
        using var submitted = await SendAsync(t.Provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag);
        var problem = await ExpectAsync<HttpValidationProblemDetails>(submitted, HttpStatusCode.BadRequest);

        Assert.True(problem.Errors.ContainsKey("customer.domainPrefix"), string.Join(", ", problem.Errors.Keys));
        Assert.Empty(t.Pc.Customers());
    }

    [Fact]
    public async Task No_password_token_or_client_secret_appears_in_logs_history_or_responses_of_a_whole_onboarding()
    {
        var logs = new LogRecorder();
        await using var t = await Setup.StartAsync(logs);

        var order = await t.OnboardAsync("secrets");
        Assert.Equal(OrderStatus.Completed, order.Status);
        var pcCustomer = Assert.Single(t.Pc.Customers());
        var password = t.Pc.IssuedPassword(pcCustomer.Id!)!;
        await t.AssertPasswordShownOnceAsync(order, password);

        var secrets = new List<string>(t.Pc.IssuedTokens()) { password, t.Pc.Options.ClientSecret };
        Assert.True(secrets.Count >= 4, "the fake issued fewer tokens than an onboarding needs");
        // The recorder saw the Partner Center client's own request lines (where a token in a header or URL would show).
        Assert.Contains(logs.Lines, l => l.Contains("PartnerCenterClient", StringComparison.Ordinal) && l.Contains("Sending HTTP request", StringComparison.Ordinal));
        var history = await t.DurableRowsAsync();
        Assert.Contains(history, v => v.Contains(order.Id, StringComparison.Ordinal));
        using var status = await t.Provider.GetAsync(order.StatusLocation);
        var responses = t.Responses.Append(await status.Content.ReadAsStringAsync()).ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(history, v => v.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(responses, r => r.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>A test's local Partner Center and app (Enabled, connected), and a reseller partnered in both.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

        private Setup(Local pc, CustomerTestKit kit, Reseller reseller)
        {
            Pc = pc;
            Kit = kit;
            Reseller = reseller;
            Provider = kit.Provider();
        }

        public Local Pc { get; }

        public CustomerTestKit Kit { get; }

        public Reseller Reseller { get; }

        public HttpClient Provider { get; }

        public ConcurrentQueue<string> Responses { get; } = new();

        public static async Task<Setup> StartAsync(LogRecorder? logs = null)
        {
            var pc = await Local.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.FromSeconds(1) });
            var kit = await CustomerTestKit.StartAsync(
                configure: s =>
                {
                    PartnerCenterTestKit.PointAt(s, pc);
                    if (logs is not null)
                    {
                        s["Logging:LogLevel:Default"] = "Trace";
                        s["Logging:LogLevel:DurableTask"] = "Trace";
                    }
                },
                services: logs is null ? null : s => s.AddSingleton<ILoggerProvider>(logs));
            await PartnerCenterTestKit.ConnectAsync(kit.Services, pc);
            var reseller = await kit.CreateResellerAsync("Contoso Resale");
            pc.SeedReseller(new SeededReseller(reseller.TenantId.ToString(), reseller.MpnId, reseller.CompanyName));
            return new Setup(pc, kit, reseller);
        }

        /// <summary>Creates, submits and waits for an order of <see cref="Lines"/> for the reseller.</summary>
        public async Task<OrderView> OnboardAsync(string stem)
        {
            var (id, etag, view) = await CreateDraftAsync(Provider, OrderBody(Reseller.Id, NewDomainPrefix(stem), $"{stem} Ltd", Lines));
            Responses.Enqueue(view.ToString());
            using var submitted = await SendAsync(Provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag);
            Responses.Enqueue(await submitted.Content.ReadAsStringAsync());
            Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
            return await SettledAsync(id);
        }

        public async Task<OrderView> ResubmitAsync(string orderId)
        {
            using var current = await Provider.GetAsync($"/api/orders/{orderId}");
            using var resubmitted = await SendAsync(Provider, HttpMethod.Post, $"/api/orders/{orderId}/resubmit", ifMatch: ETagOf(current));
            var accepted = await resubmitted.Content.ReadFromJsonAsync<OrderView>();
            Assert.True(resubmitted.StatusCode == HttpStatusCode.Accepted, $"{resubmitted.StatusCode}");
            Assert.Equal($"/api/orchestrations/order-{orderId}-r{accepted!.PartnerCenter!.Resubmissions}", resubmitted.Headers.Location?.OriginalString);
            return await SettledAsync(orderId);
        }

        public async Task AssertPasswordShownOnceAsync(OrderView order, string issued)
        {
            var info = await Provider.GetFromJsonAsync<SetupInfo>($"/api/orders/{order.Id}/setup-info");
            Assert.Equal(issued, info!.TemporaryPassword);
            Assert.Equal($"admin@{order.Domain}", info.UserName);
            using var again = await Provider.GetAsync($"/api/orders/{order.Id}/setup-info");
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        }

        /// <summary>Every value of every row of the app's task hub (its instances and their history).</summary>
        public async Task<List<string>> DurableRowsAsync()
        {
            var tables = Kit.Services.GetRequiredService<TableServiceClient>();
            var hub = Kit.App.Configuration["AzureFunctionsJobHost:extensions:durableTask:hubName"]!;
            var values = new List<string>();
            await foreach (var table in tables.QueryAsync(TableClient.CreateQueryFilter($"TableName ge {hub} and TableName lt {hub + "~"}")))
            {
                await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
                {
                    values.AddRange(((IDictionary<string, object>)entity).Values.Select(v => v?.ToString() ?? string.Empty));
                }
            }

            return values;
        }

        public async ValueTask DisposeAsync()
        {
            Provider.Dispose();
            await Kit.DisposeAsync();
            await Pc.DisposeAsync();
        }

        private async Task<OrderView> SettledAsync(string orderId)
        {
            var settled = await WaitForOrderAsync(Provider, orderId);
            Responses.Enqueue(JsonSerializer.Serialize(settled, Web));
            return settled;
        }
    }
}
