using System.Diagnostics;
using Azure.Data.Tables;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.LocalPartnerCenter;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>The client against the local Partner Center: headers, retries, throttling, errors, paging, tokens.</summary>
public sealed class PartnerCenterContractTests
{
    [Fact]
    public async Task Every_call_carries_partner_centers_headers()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();

        using (var activity = Tier2.Functions.Hosting.Telemetry.Source.StartActivity("test") ?? new Activity("test").Start())
        {
            await client.Relationships.ListIndirectResellersAsync().CollectAsync();
            var seen = Assert.Single(pc.RequestsTo("GET", "/v1/relationships")).Headers;
            var headers = new Dictionary<string, string>(seen, StringComparer.OrdinalIgnoreCase);
            Assert.True(Guid.TryParse(headers["MS-RequestId"], out _));
            // Tier2's correlation id (the trace id), as the GUID Partner Center expects.
            Assert.Equal(Guid.ParseExact(activity.TraceId.ToHexString(), "N").ToString(), headers["MS-CorrelationId"]);
            Assert.Equal("v1", headers["MS-Contract-Version"]);
            Assert.Equal("en-US", headers["X-Locale"]);
            Assert.Contains("application/json", headers["Accept"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_500_is_retried_with_the_same_request_id_and_the_next_call_gets_a_new_one()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();
        pc.ArmFault(new FaultSpec("/v1/relationships", FaultKind.ServerError, "GET", Count: 2));

        await client.Relationships.ListIndirectResellersAsync().CollectAsync();
        await client.Relationships.ListIndirectResellersAsync().CollectAsync();

        var ids = pc.RequestsTo("GET", "/v1/relationships").Select(r => Header(r, "MS-RequestId")).ToList();
        Assert.Equal(4, ids.Count);
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(ids[0], ids[2]);
        Assert.NotEqual(ids[0], ids[3]);
    }

    [Fact]
    public async Task A_create_whose_answer_timed_out_is_retried_with_its_request_id_and_makes_one_customer()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc, s => s["PartnerCenter:AttemptTimeout"] = "00:00:01");
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();
        var reseller = pc.SeedReseller(new SeededReseller(null, "7654321", "Fabrikam Resellers"));
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.TimeoutAfterChange, "POST", HoldForSeconds: 3));

        var customer = await client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(reseller));

        var creates = pc.RequestsTo("POST", "/v1/customers");
        Assert.True(creates.Count >= 2, $"expected a retry, saw {creates.Count} calls");
        Assert.Single(creates.Select(r => Header(r, "MS-RequestId")).Distinct());
        Assert.Equal(1, pc.Counts().Customers);
        Assert.Equal(reseller, customer.AssociatedPartnerId);
        Assert.False(string.IsNullOrEmpty(customer.UserCredentials?.Password));
    }

    [Fact]
    public async Task A_429_waits_for_its_retry_after()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.Throttle, "GET", RetryAfterSeconds: 2));

        var clock = Stopwatch.StartNew();
        await client.Customers.ListAsync().CollectAsync();

        var calls = pc.RequestsTo("GET", "/v1/customers");
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromSeconds(1.9), $"retried after {calls[1].ReceivedAt - calls[0].ReceivedAt}");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9));
    }

    [Fact]
    public async Task A_burst_of_100_calls_never_draws_a_429_from_a_server_enforcing_the_limit()
    {
        // The server allows 25 a second (scaled down from 500 a minute to keep the test short); the client 24.
        await using var pc = await LocalPc.StartAsync(new LocalPartnerCenterOptions { RateLimitPerTenant = 25, RateLimitWindow = TimeSpan.FromSeconds(1) });
        await using var app = await PartnerCenterTestKit.StartAsync(pc, s =>
        {
            s["PartnerCenter:RequestsPerMinute"] = "24";
            s["PartnerCenter:RateLimitWindow"] = "00:00:01";
        });
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.Customers.ListAsync(pageSize: 1).CollectAsync()));

        Assert.Equal(100, pc.RequestsTo("GET", "/v1/customers").Count);
        Assert.Equal(0, pc.RateLimitedCount);
    }

    [Fact]
    public async Task Partner_centers_error_becomes_a_typed_exception_with_its_code_and_correlation_id()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();
        var reseller = pc.SeedReseller(new SeededReseller(null, "7654321", "Fabrikam Resellers"));
        var customer = await client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(reseller));
        pc.ArmFault(new FaultSpec("/v1/customers/*/carts", FaultKind.Error, "POST", Status: 404, Code: 2072, Description: "PartnerID of Indirect Provider isn't valid as Partner On Record"));
        var line = new CartLineItem
        {
            Id = 1,
            CatalogItemId = "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ",
            Quantity = 2,
            BillingCycle = "monthly",
            TermDuration = "P1Y",
            Participants = [new CartParticipant(CartParticipant.TransactionReseller, "1111111")],
        };
        var cart = new Cart(null, [line], true);

        var error = await Assert.ThrowsAsync<PartnerCenterException>(() => client.Carts.CreateAsync(customer.Id, cart));

        Assert.Equal(PartnerCenterErrorKind.PartnerOfRecordRefused, error.Kind);
        Assert.Equal("2072", error.Code);
        Assert.Equal(Header(pc.RequestsTo("POST", $"/v1/customers/{customer.Id}/carts").Single(), "MS-CorrelationId"), error.CorrelationId);
        // A business error is an answer: not retried.
        Assert.Single(pc.RequestsTo("POST", $"/v1/customers/{customer.Id}/carts"));
    }

    [Fact]
    public async Task Customers_page_across_relative_links_with_the_continuation_token()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var client = app.Services.GetRequiredService<PartnerCenterClient>();
        var reseller = pc.SeedReseller(new SeededReseller(null, "7654321", "Fabrikam Resellers"));
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(reseller))).Id);
        }

        var listed = (await client.Customers.ListOfResellerAsync(reseller, pageSize: 2).CollectAsync()).Select(c => c.Id).ToList();

        Assert.Equal(created.Order(), listed.Order());
        var pages = pc.RequestsTo("GET", "/v1/customers");
        Assert.Equal(3, pages.Count);
        Assert.All(pages.Skip(1), p =>
        {
            Assert.Contains("seekOperation=next", p.Query, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(Header(p, "MS-ContinuationToken")));
        });
    }

    [Fact]
    public async Task Each_redemption_stores_the_new_refresh_token()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        var original = await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var store = app.Services.GetRequiredService<PartnerCenterConnectionStore>();
        var before = (await store.GetAsync(CancellationToken.None))!;

        await app.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();

        var after = (await store.GetAsync(CancellationToken.None))!;
        Assert.True(after.RenewedAt >= before.RenewedAt);
        var stored = await store.ReadRefreshTokenAsync(after, CancellationToken.None);
        Assert.NotEqual(original, stored);
        // The stored token is one that works: with the first revoked, a fresh process still gets in.
        pc.RevokeRefreshTokens(original);
        await using var next = await TestAppSharing(app, pc);
        await next.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();
    }

    [Fact]
    public async Task Two_instances_redeeming_at_once_both_end_with_a_working_token()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var first = await PartnerCenterTestKit.StartAsync(pc);
        var original = await PartnerCenterTestKit.ConnectAsync(first.Services, pc);
        await using var second = await TestAppSharing(first, pc);

        await Task.WhenAll(
            first.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync(),
            second.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync());

        // Both got in; the token stored by whichever won is a working one, not the original.
        Assert.Equal(2, pc.RequestsTo("GET", "/v1/relationships").Count(r => r.Status == 200));
        pc.RevokeRefreshTokens(original);
        await using var third = await TestAppSharing(first, pc);
        await third.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();
        // And each instance keeps working with its cached access token.
        await first.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();
        await second.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync();
    }

    [Fact]
    public async Task A_revoked_refresh_token_says_connect_again()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        pc.RevokeRefreshTokens();

        var error = await Assert.ThrowsAsync<PartnerCenterException>(() => app.Services.GetRequiredService<PartnerCenterClient>().Relationships.ListIndirectResellersAsync().CollectAsync());

        Assert.Equal(PartnerCenterErrorKind.NotConnected, error.Kind);
        Assert.Contains("AADSTS50173", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connection_check_warns_14_days_before_the_lapse()
    {
        await using var pc = await LocalPc.StartAsync();
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var table = app.Services.GetRequiredService<TableServiceClient>().GetTableClient(app.Services.GetRequiredService<StorageNames>().Table(PartnerCenterConnectionStore.TableName));
        await table.UpdateEntityAsync(new TableEntity("connection", "current") { ["RenewedAt"] = DateTimeOffset.UtcNow.AddDays(-80) }, Azure.ETag.All);

        var warning = await app.Services.GetRequiredService<PartnerCenterConnectionCheck>().RunAsync(CancellationToken.None);

        Assert.NotNull(warning);
        using var admin = app.ClientAs();
        var status = await admin.GetFromJsonAsync<PartnerCenterConnectionStatus>("api/partner-center/connection", Json);
        Assert.Equal(warning, status!.Warning);
        Assert.True(status.LapsesAt < DateTimeOffset.UtcNow.AddDays(11));
    }

    [Fact]
    public async Task The_contract_suite_passes_against_the_local_partner_center()
    {
        await using var pc = await LocalPc.StartAsync();
        pc.SeedReseller(new SeededReseller(null, "7654321", "Fabrikam Resellers"));
        await using var app = await PartnerCenterTestKit.StartAsync(pc);
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);

        await PartnerCenterContract.RunAsync(app.Services.GetRequiredService<PartnerCenterClient>());
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static string? Header(SeenRequest request, string name) =>
        request.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>A second instance of the app on the same tables (another process in Azure).</summary>
    private static Task<TestApp> TestAppSharing(TestApp app, LocalPc pc) =>
        TestApp.StartAsync(settings => PartnerCenterTestKit.PointAt(settings, pc), prefix: app.Prefix);
}
