using System.Net;
using System.Net.Http.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter.Tests;

public sealed class FaultTests
{
    [Fact]
    public async Task The_rate_limit_answers_429_with_Retry_After_and_the_throttling_body()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { RateLimitPerTenant = 3 });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        Customer customer = await caller.CreateCustomerAsync("limited1");

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await caller.SendAsync(HttpMethod.Get, $"v1/customers/{customer.Id}")).StatusCode);
        }

        using HttpResponseMessage refused = await caller.SendAsync(HttpMethod.Get, $"v1/customers/{customer.Id}");
        using HttpResponseMessage elsewhere = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");

        ThrottledError body = await PartnerCenterCaller.ReadAsync(refused, HttpStatusCode.TooManyRequests, PartnerCenterJson.Default.ThrottledError);
        Assert.Equal(429, body.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Rate limit is exceeded", body.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.Equal(1, pc.RateLimitedCount);
    }

    [Fact]
    public async Task An_armed_429_and_500_hit_only_the_next_matching_calls()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.Throttle, "POST", RetryAfterSeconds: 7));
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.ServerError, "POST"));
        StringContent Body() => new(System.Text.Json.JsonSerializer.Serialize(PartnerCenterCaller.NewCustomer("faulted1"), PartnerCenterJson.Default.Customer), System.Text.Encoding.UTF8, "application/json");

        using HttpResponseMessage throttled = await caller.SendAsync(HttpMethod.Post, "v1/customers", Body());
        using HttpResponseMessage failed = await caller.SendAsync(HttpMethod.Post, "v1/customers", Body());
        using HttpResponseMessage created = await caller.SendAsync(HttpMethod.Post, "v1/customers", Body());

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1, pc.Counts().Customers);
    }

    [Fact]
    public async Task A_timeout_after_the_change_creates_the_customer_and_the_retry_with_the_same_MS_RequestId_gets_it()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.TimeoutAfterChange, "POST"));

        await Assert.ThrowsAsync<HttpRequestException>(() => caller.CreateCustomerAsync("lost1", requestId: "retry-me"));
        Assert.Equal(1, pc.Counts().Customers);
        Customer retried = await caller.CreateCustomerAsync("lost1", requestId: "retry-me");

        Assert.Equal(1, pc.Counts().Customers);
        Assert.Equal("lost1.onmicrosoft.com", retried.CompanyProfile!.Domain);
        // A call is logged when the server is done with it; the aborted first call may finish after the caller saw the abort.
        for (var waited = 0; pc.RequestsTo("POST", "/v1/customers").Count < 2 && waited < 100; waited++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(["retry-me", "retry-me"], pc.RequestsTo("POST", "/v1/customers").Select(r => r.Headers["MS-RequestId"]));
    }

    [Fact]
    public async Task A_held_answer_outlasts_the_callers_timeout_after_the_change_was_made()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = new(pc);
        caller.Http.Timeout = TimeSpan.FromSeconds(3);
        await caller.AsAppPlusUserAsync();
        pc.ArmFault(new FaultSpec("/v1/customers", FaultKind.TimeoutAfterChange, "POST", HoldForSeconds: 30));

        await Assert.ThrowsAsync<TaskCanceledException>(() => caller.CreateCustomerAsync("held1"));

        Assert.Equal(1, pc.Counts().Customers);
    }

    [Fact]
    public async Task An_armed_documented_error_answers_with_its_status_and_code()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("refused1");
        pc.ArmFault(new FaultSpec("/v1/customers/*/carts/*/checkout", FaultKind.Error, "POST", Status: 404, Code: 2072,
            Description: "PartnerID of Indirect Provider isn't valid as Partner On Record"));

        using HttpResponseMessage response = await caller.CheckoutAsync(customer, cart);

        ApiError error = await PartnerCenterCaller.ReadAsync(response, HttpStatusCode.NotFound, PartnerCenterJson.Default.ApiError);
        Assert.Equal(2072, error.Code);
        Assert.Equal("PartnerFD", error.Source);
        Assert.Equal(0, pc.Counts().Orders);
    }

    [Fact]
    public async Task Armed_order_errors_come_back_in_a_201_checkout_result_without_an_order()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("ordererror1");
        pc.ArmFault(new FaultSpec("/v1/customers/*/carts/*/checkout", FaultKind.OrderErrors, Code: 800069, Description: "Order failed Risk Management check"));

        CartCheckoutResult result = await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult);

        Assert.Empty(result.Orders);
        Assert.Equal(800069, Assert.Single(result.OrderErrors).Code);
        Assert.Equal(0, pc.Counts().Orders);
    }

    [Fact]
    public async Task Slow_provisioning_keeps_the_order_pending_past_the_usual_delay()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero });
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        (Customer customer, Cart cart) = await caller.CustomerWithCartAsync("slow1");
        pc.ArmFault(new FaultSpec("/v1/customers/*/carts/*/checkout", FaultKind.SlowProvisioning, ProvisioningDelaySeconds: 30));

        Order order = (await PartnerCenterCaller.ReadAsync(await caller.CheckoutAsync(customer, cart), HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult)).Orders[0];
        ResourceCollection<OrderLineItemProvisioningStatus> status = await PartnerCenterCaller.ReadAsync(
            await caller.SendAsync(HttpMethod.Get, $"v1/customers/{customer.Id}/orders/{order.Id}/provisioningstatus"), HttpStatusCode.OK,
            PartnerCenterJson.Default.ResourceCollectionOrderLineItemProvisioningStatus);

        Assert.Equal("pending", order.Status);
        Assert.Equal("pending", Assert.Single(status.Items).Status);
        Assert.Equal(0, pc.Counts().Subscriptions);
    }

    [Fact]
    public async Task Faults_armed_over_the_admin_API_apply_to_the_next_call()
    {
        await using LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync();
        using PartnerCenterCaller caller = await new PartnerCenterCaller(pc).AsAppPlusUserAsync();
        using (HttpResponseMessage armed = await caller.Http.PostAsJsonAsync("_local/faults",
            new FaultSpec("/v1/products", FaultKind.Error, "GET", Status: 403, Code: 400036), PartnerCenterJson.Default.FaultSpec))
        {
            Assert.Equal(HttpStatusCode.NoContent, armed.StatusCode);
        }

        using HttpResponseMessage refused = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");
        using HttpResponseMessage served = await caller.SendAsync(HttpMethod.Get, "v1/products?country=US&targetView=OnlineServices");

        Assert.Equal(400036, (await PartnerCenterCaller.ReadAsync(refused, HttpStatusCode.Forbidden, PartnerCenterJson.Default.ApiError)).Code);
        Assert.Equal(6, (await PartnerCenterCaller.ReadAsync(served, HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionProduct)).Items.Count);
    }
}
