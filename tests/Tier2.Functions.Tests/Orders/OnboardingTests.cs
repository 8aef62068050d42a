using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Orders;

public sealed class OnboardingTests
{
    [Fact]
    public async Task Submitting_creates_the_customer_for_the_reseller_its_subscriptions_with_the_reseller_as_partner_of_record_and_the_admin_user()
    {
        await using var kit = await StartAsync();
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix("woodgrove");

        var done = await OnboardAsync(provider, reseller.Id, prefix, "Woodgrove Bank", ("o365-e3", 25, "P1Y", "monthly"), ("m365-e5", 3, "P1Y", "annual"));

        var customerId = done.CustomerId!;
        Assert.Equal($"admin@{prefix}.onmicrosoft.com", done.AdminUserName);
        Assert.True(done.SetupInfoAvailable);
        using var response = await provider.GetAsync($"/api/customers/{customerId}");
        var customer = await ExpectAsync<CustomerView>(response, HttpStatusCode.OK);
        Assert.Equal(reseller.Id, customer.AssociatedPartnerId);
        Assert.Equal($"{prefix}.onmicrosoft.com", customer.Domain);
        Assert.Equal([reseller.Id], customer.Resellers.Select(r => r.ResellerId));
        var subscriptions = customer.Subscriptions.OrderBy(s => s.OfferId).ToList();
        Assert.Equal(["m365-e5", "o365-e3"], subscriptions.Select(s => s.OfferId));
        Assert.Equal([3, 25], subscriptions.Select(s => s.Quantity));
        Assert.All(subscriptions, s => Assert.Equal(reseller.MpnId, s.PartnerIdOnRecord));
        Assert.All(subscriptions, s => Assert.Equal(reseller.Id, s.PartnerOfRecordResellerId));
        Assert.True(await kit.Services.GetRequiredService<CustomerStore>().HasUserAsync(customerId, $"admin@{prefix}.onmicrosoft.com", CancellationToken.None));
    }

    [Fact]
    public async Task A_direct_customer_has_no_reseller_and_no_partner_of_record()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();

        var done = await OnboardAsync(provider, null, NewDomainPrefix(), "Direct Co", ("exchange-online-p1", 10, "P1M", "monthly"));

        using var response = await provider.GetAsync($"/api/customers/{done.CustomerId}");
        var customer = await ExpectAsync<CustomerView>(response, HttpStatusCode.OK);
        Assert.Null(customer.AssociatedPartnerId);
        Assert.Empty(customer.Resellers);
        Assert.Null(customer.Subscriptions[0].PartnerIdOnRecord);
    }

    [Fact]
    public async Task Reading_setup_info_twice_returns_410_and_the_password_is_never_stored_in_clear()
    {
        await using var kit = await StartAsync();
        var reseller = await kit.CreateResellerAsync("Fabrikam Resale");
        using var provider = kit.Provider();
        var prefix = NewDomainPrefix();
        var done = await OnboardAsync(provider, reseller.Id, prefix, "Contoso Pharma", ("o365-e3", 5, "P1M", "monthly"));
        var orderId = done.Id;

        // Before the read: the order row holds only ciphertext.
        var orders = kit.Services.GetRequiredService<OrderStore>();
        var stored = await orders.GetAsync(orderId, CancellationToken.None);
        Assert.NotNull(stored!.EncryptedPassword);

        using var first = await provider.GetAsync($"/api/orders/{orderId}/setup-info");
        var info = await ExpectAsync<SetupInfo>(first, HttpStatusCode.OK);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        var password = info.TemporaryPassword;
        Assert.Equal($"admin@{prefix}.onmicrosoft.com", info.UserName);
        Assert.True(TemporaryPassword.MeetsComplexity(password), password);
        Assert.DoesNotContain(password, stored.EncryptedPassword, StringComparison.Ordinal);

        using var second = await provider.GetAsync($"/api/orders/{orderId}/setup-info");
        var gone = await ExpectAsync<HttpValidationProblemDetails>(second, HttpStatusCode.Gone);
        Assert.Equal("urn:tier2:problem:gone", gone.Type);

        // The password is nowhere: not in any table the app or its orchestrations wrote (orders, audit, customers,
        // durable instances and history), and the ciphertext is gone from the order.
        Assert.Null((await orders.GetAsync(orderId, CancellationToken.None))!.EncryptedPassword);
        var tables = kit.Services.GetRequiredService<TableServiceClient>();
        var names = kit.Services.GetRequiredService<StorageNames>();
        // The app's tables carry the storage prefix; the task hub's history and instances tables its hub name.
        var hub = kit.App.Configuration["AzureFunctionsJobHost:extensions:durableTask:hubName"]!;
        var scanned = 0;
        var ours = TableClient.CreateQueryFilter($"(TableName ge {names.StoragePrefix} and TableName lt {names.StoragePrefix + "~"}) or (TableName ge {hub} and TableName lt {hub + "~"})");
        await foreach (var table in tables.QueryAsync(ours))
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                scanned++;
                foreach (var value in ((IDictionary<string, object>)entity).Values)
                {
                    Assert.DoesNotContain(password, value?.ToString() ?? string.Empty, StringComparison.Ordinal);
                }
            }
        }

        Assert.True(scanned > 10, $"Only {scanned} rows scanned; hub {hub}");
        using var status = await provider.GetAsync($"/api/orchestrations/order-{orderId}");
        Assert.DoesNotContain(password, await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_setup_info_reads_show_the_password_exactly_once()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var done = await OnboardAsync(provider, null, NewDomainPrefix(), "Race Co", ("o365-e3", 1, "P1M", "monthly"));
        var orderId = done.Id;

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => provider.GetAsync($"/api/orders/{orderId}/setup-info")));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Gone));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Submitting_again_with_the_same_idempotency_key_answers_the_same_202_and_provisions_once()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Once Co", ("o365-e3", 2, "P1M", "monthly")));

        var done = await SubmitAndWaitAsync(provider, id, etag, idempotencyKey: "submit-1");
        using var again = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: etag, idempotencyKey: "submit-1");
        var view = await ExpectAsync<OrderView>(again, HttpStatusCode.Accepted);
        Assert.Equal($"/api/orchestrations/order-{id}", again.Headers.Location?.OriginalString);
        Assert.Equal(OrderStatus.Completed, view.Status);

        using var withoutKey = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{id}/submit", ifMatch: "*");
        await ExpectAsync(withoutKey, HttpStatusCode.Conflict);
        using var customer = await provider.GetAsync($"/api/customers/{done.CustomerId}");
        Assert.Single((await ExpectAsync<CustomerView>(customer, HttpStatusCode.OK)).Subscriptions);
    }


    [Fact]
    public async Task An_idempotency_key_used_to_submit_another_order_answers_422_naming_the_header()
    {
        await using var kit = await StartAsync();
        using var provider = kit.Provider();
        var (first, firstETag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "First Co", ("o365-e3", 2, "P1M", "monthly")));
        var (second, secondETag, _) = await CreateDraftAsync(provider, OrderBody(null, NewDomainPrefix(), "Second Co", ("o365-e3", 2, "P1M", "monthly")));
        await SubmitAndWaitAsync(provider, first, firstETag, idempotencyKey: "submit-shared");

        using var reused = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{second}/submit", ifMatch: secondETag, idempotencyKey: "submit-shared");

        var problem = await ExpectAsync<HttpValidationProblemDetails>(reused, HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.Errors.ContainsKey("Idempotency-Key"));
    }
}
