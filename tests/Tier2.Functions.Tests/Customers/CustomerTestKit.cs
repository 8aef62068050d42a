using System.Net.Http.Headers;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Customers;

/// <summary>
/// The real app on Kestrel against Azurite, as <see cref="TestApp"/> starts it, plus what the customer, order and
/// subscription tests need: an optional onboarding fault injector (the test-only seam), partnered resellers
/// created through <see cref="ResellerStore"/>, valid order bodies, and polling until an order settles.
/// </summary>
public sealed class CustomerTestKit : IAsyncDisposable
{
    private readonly TestApp _app;

    private CustomerTestKit(TestApp app) => _app = app;

    public WebApplication App => _app.App;

    public Uri Address => _app.Address;

    public IServiceProvider Services => _app.Services;

    public static async Task<CustomerTestKit> StartAsync(IOnboardingFaultInjector? faults = null, Action<Dictionary<string, string?>>? configure = null, Action<IServiceCollection>? services = null) =>
        new(await TestApp.StartAsync(configure, services: s =>
        {
            if (faults is not null)
            {
                s.AddSingleton(faults);
            }

            services?.Invoke(s);
        }));

    public string Prefix => _app.Prefix;

    public HttpClient ClientAs(string role = Roles.ProviderAdmin, string? resellerId = null) => _app.ClientAs(role, resellerId);
    public HttpClient Provider() => ClientAs(Roles.ProviderAdmin);

    public HttpClient Reseller(string resellerId) => ClientAs(Roles.ResellerAdmin, resellerId);

    public static string NewMpn() => Random.Shared.NextInt64(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A reseller as the invite flow first stores it (PendingActivation), with fresh ids.</summary>
    public static Reseller NewReseller(string companyName, string? mpnId = null)
    {
        var id = Guid.NewGuid().ToString("N");
        return new Reseller
        {
            Id = id,
            CompanyName = companyName,
            MpnId = mpnId ?? NewMpn(),
            TenantId = Guid.NewGuid(),
            ContactName = "Pat Doe",
            ContactEmail = $"pat@{id[..8]}.example",
            InvitedEmail = $"partners@{id[..8]}.example",
            Status = ResellerStatus.PendingActivation,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>A partnered reseller, created and moved to <paramref name="status"/> through the store (as the invite flow does).</summary>
    public async Task<Reseller> CreateResellerAsync(string companyName, ResellerStatus status = ResellerStatus.Active, string? mpnId = null)
    {
        var store = Services.GetRequiredService<ResellerStore>();
        var reseller = NewReseller(companyName, mpnId);
        var id = reseller.Id;
        var created = await store.CreateAsync(reseller, "test", CancellationToken.None);
        Assert.True(created.Created);
        if (status != ResellerStatus.PendingActivation)
        {
            Assert.Equal(Storage.ChangeOutcome.Changed, (await store.ChangeStatusAsync(id, ResellerStatus.PendingActivation, ResellerStatus.Active, "test", null, CancellationToken.None)).Outcome);
        }

        if (status == ResellerStatus.Suspended)
        {
            Assert.Equal(Storage.ChangeOutcome.Changed, (await store.ChangeStatusAsync(id, ResellerStatus.Active, ResellerStatus.Suspended, "test", null, CancellationToken.None)).Outcome);
        }

        return (await store.GetAsync(id, CancellationToken.None))!;
    }

    /// <summary>The Tier2 customer id the Partner Center id index row names; null when there is no index row.</summary>
    public static async Task<string?> IndexedCustomerIdAsync(CustomerStore store, string partnerCenterId) =>
        (await store.Index.GetOrNullAsync<TableEntity>(CustomerStore.PartnerCenterPartition, CustomerStore.PartnerCenterIndexKey(partnerCenterId)!, CancellationToken.None))?.GetString("CustomerId");

    /// <summary>Removes a customer's Partner Center id index row, as a row linked before the index existed has none.</summary>
    public static Task ForgetPartnerCenterIndexAsync(CustomerStore store, string partnerCenterId) =>
        store.Index.DeleteEntityAsync(CustomerStore.PartnerCenterPartition, CustomerStore.PartnerCenterIndexKey(partnerCenterId)!, Azure.ETag.All);

    public static string NewDomainPrefix(string stem = "c") => stem + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A complete New customer form with the given lines (offer id, licenses, term, billing).</summary>
    public static Dictionary<string, object?> OrderBody(string? resellerId, string domainPrefix, string companyName, params (string OfferId, int Quantity, string Term, string Billing)[] lines) => new()
    {
        ["resellerId"] = resellerId,
        ["customer"] = new Dictionary<string, object?>
        {
            ["companyName"] = companyName,
            ["domainPrefix"] = domainPrefix,
            ["email"] = "it@customer.example",
            ["culture"] = "en-US",
            ["language"] = "en",
            ["address"] = new Dictionary<string, object?> { ["addressLine1"] = "1 Main St", ["city"] = "Redmond", ["state"] = "WA", ["postalCode"] = "98052", ["country"] = "US" },
            ["contact"] = new Dictionary<string, object?> { ["firstName"] = "Ada", ["lastName"] = "Lovelace", ["email"] = "ada@customer.example", ["phoneNumber"] = "+1 425 555 0100" },
        },
        ["lineItems"] = lines.Select(l => new Dictionary<string, object?> { ["offerId"] = l.OfferId, ["quantity"] = l.Quantity, ["termDuration"] = l.Term, ["billingCycle"] = l.Billing }).ToList(),
    };

    /// <summary>Asserts the status, naming the body when it is another.</summary>
    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
    }

    /// <summary>Asserts the status (naming the body when it is another) and reads the body into the app's response record.</summary>
    public static async Task<T> ExpectAsync<T>(HttpResponseMessage response, HttpStatusCode status)
    {
        await ExpectAsync(response, status);
        return await response.ReadAsync<T>();
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null, string? ifMatch = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static string ETagOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("ETag", out var values) ? values.Single() : throw new InvalidOperationException("No ETag header.");

    /// <summary>Creates a draft; returns its id and ETag.</summary>
    public static async Task<(string Id, string ETag, OrderView View)> CreateDraftAsync(HttpClient provider, object body)
    {
        using var response = await provider.PostAsJsonAsync("/api/orders", body);
        var view = await ExpectAsync<OrderView>(response, HttpStatusCode.Created);
        return (view.Id, ETagOf(response), view);
    }

    /// <summary>Submits a draft (202 with Location to the status resource) and waits until the order settles.</summary>
    public static async Task<OrderView> SubmitAndWaitAsync(HttpClient provider, string orderId, string etag, string? idempotencyKey = null)
    {
        using var submitted = await SendAsync(provider, HttpMethod.Post, $"/api/orders/{orderId}/submit", ifMatch: etag, idempotencyKey: idempotencyKey);
        await ExpectAsync(submitted, HttpStatusCode.Accepted);
        Assert.Equal($"/api/orchestrations/order-{orderId}", submitted.Headers.Location?.OriginalString);
        return await WaitForOrderAsync(provider, orderId);
    }

    /// <summary>Polls the order until it is Completed, Failed or Cancelled (generous deadline; never a timing assertion).</summary>
    public static async Task<OrderView> WaitForOrderAsync(HttpClient provider, string orderId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await provider.GetAsync($"/api/orders/{orderId}");
            var view = await ExpectAsync<OrderView>(response, HttpStatusCode.OK);
            if (view.Status is OrderStatus.Completed or OrderStatus.Failed or OrderStatus.Cancelled)
            {
                // The order row settles inside the orchestration's last activity; wait for the instance too.
                await WaitForInstanceAsync(provider, "order-" + orderId, deadline);
                return view;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Order {orderId} did not settle; last seen {view}");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForInstanceAsync(HttpClient provider, string instanceId, DateTime deadline)
    {
        while (true)
        {
            using var response = await provider.GetAsync($"/api/orchestrations/{instanceId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Orchestration {instanceId} did not finish.");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs the seed's whole procedure for a new customer; returns the completed order view.</summary>
    public static async Task<OrderView> OnboardAsync(HttpClient provider, string? resellerId, string domainPrefix, string companyName, params (string OfferId, int Quantity, string Term, string Billing)[] lines)
    {
        var (id, etag, _) = await CreateDraftAsync(provider, OrderBody(resellerId, domainPrefix, companyName, lines));
        var done = await SubmitAndWaitAsync(provider, id, etag);
        Assert.True(done.Status == OrderStatus.Completed, $"Order did not complete: {done}");
        return done;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
