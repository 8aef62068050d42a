using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.LocalPartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>Points a test app at a local Partner Center, and connects it as the connect flow would.</summary>
public static class PartnerCenterTestKit
{
    /// <summary>Settings that send every Partner Center and token call to <paramref name="pc"/>.</summary>
    public static void PointAt(Dictionary<string, string?> settings, LocalPartnerCenter.LocalPartnerCenter pc)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(pc);
        settings["PartnerCenter:Mode"] = "Enabled";
        settings["PartnerCenter:BaseUrl"] = pc.BaseUrl.AbsoluteUri;
        settings["PartnerCenter:TokenEndpoint"] = pc.BaseUrl.AbsoluteUri.TrimEnd('/') + "/{tenant}/oauth2/token";
        settings["PartnerCenter:AuthorizeEndpoint"] = pc.AuthorizeEndpoint.AbsoluteUri;
        settings["PartnerCenter:TenantId"] = pc.Options.ProviderTenantId;
        settings["PartnerCenter:ClientId"] = pc.Options.ClientId;
        settings["PartnerCenter:ClientSecret"] = pc.Options.ClientSecret;
        settings["PartnerCenter:RetryDelay"] = "00:00:00.050";
        settings["PartnerCenter:AttemptTimeout"] = "00:00:05";
    }

    /// <summary>Settings that believe <paramref name="pc"/>'s signed events, as scripts/lib/common.sh gives the app: its
    /// certificate on 127.0.0.1, its organization, its root (no revocation list).</summary>
    public static void TrustEventsOf(Dictionary<string, string?> settings, LocalPartnerCenter.LocalPartnerCenter pc)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(pc);
        settings["PartnerCenter:Events:CertificateHost"] = pc.WebhookCertificateUrl.Host;
        settings["PartnerCenter:Events:CertificateOrganization"] = pc.Options.WebhookSigningOrganization;
        settings["PartnerCenter:Events:TrustedRootCertificates"] = pc.WebhookRootPem;
        settings["PartnerCenter:Events:CheckRevocation"] = "false";
    }

    public static Task<TestApp> StartAsync(LocalPartnerCenter.LocalPartnerCenter pc, Action<Dictionary<string, string?>>? configure = null, bool publicOnOwnPort = false) =>
        TestApp.StartAsync(settings =>
        {
            PointAt(settings, pc);
            configure?.Invoke(settings);
        }, publicOnOwnPort);

    /// <summary>Stores a refresh token for the integration user, as the connect flow's callback does; returns it.</summary>
    public static async Task<string> ConnectAsync(IServiceProvider services, LocalPartnerCenter.LocalPartnerCenter pc)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(pc);
        var issued = pc.IssueRefreshToken();
        await services.GetRequiredService<PartnerCenterConnectionStore>()
            .SaveConnectedAsync(issued.UserPrincipalName, "provider-admin:test", true, issued.RefreshToken, DateTimeOffset.UtcNow, CancellationToken.None);
        return issued.RefreshToken;
    }

    /// <summary>
    /// A subscription bought in Partner Center as a provider does it through the client (customer of the reseller, MCA
    /// attested, a one-line cart with the reseller as partner of record, checkout), waited for until provisioned.
    /// </summary>
    public static async Task<(string CustomerId, string OrderId, string SubscriptionId)> BuyAsync(PartnerCenterClient client, string resellerTenantId, string resellerMpnId, int quantity)
    {
        ArgumentNullException.ThrowIfNull(client);
        var customer = await client.Customers.CreateAsync(NewCustomer(resellerTenantId));
        var template = (await client.Agreements.GetMetadataAsync())!.TemplateId!;
        await client.Agreements.CreateAsync(customer.Id, new Agreement(new AgreementContact("Gena", "Soto", "gena@wingtiptoys.example", null), template, DateTimeOffset.UtcNow));
        var line = new CartLineItem
        {
            Id = 1,
            CatalogItemId = "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
            Quantity = quantity,
            BillingCycle = "monthly",
            TermDuration = "P1Y",
            Participants = [new CartParticipant(CartParticipant.TransactionReseller, resellerMpnId)],
        };
        var cart = await client.Carts.CreateAsync(customer.Id, new Cart(null, [line], true));
        var order = Assert.Single((await client.Carts.CheckoutAsync(customer.Id, cart.Id!)).Orders!);
        var provisioned = await Eventually.UntilAsync(() => client.Orders.GetAsync(customer.Id, order.Id!), o => o.LineItems?[0].SubscriptionId is not null, what: "the order's subscription");
        return (customer.Id, order.Id!, provisioned.LineItems![0].SubscriptionId!);
    }

    public static NewCustomer NewCustomer(string resellerTenantId, string? domain = null) => new(
        new CompanyProfile(null, domain ?? $"wingtip{Guid.NewGuid():N}"[..20] + ".onmicrosoft.com", "Wingtip Toys"),
        new BillingProfile(null, "gena@wingtiptoys.example", "en-US", "en", "Wingtip Toys",
            new Address("US", "Redmond", "WA", "One Microsoft Way", null, "98052", "Gena", "Soto", "4255550101")),
        resellerTenantId);
}

/// <summary>
/// Reading the client's async lists. (System.Linq.Async arrives transitively beside .NET 10's own AsyncEnumerable, so
/// their ToListAsync/FirstAsync are ambiguous here; these names are not.)
/// </summary>
public static class AsyncItems
{
    public static async Task<List<T>> CollectAsync<T>(this IAsyncEnumerable<T> items, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = new List<T>();
        await foreach (var item in items)
        {
            if (list.Count >= max)
            {
                break;
            }

            list.Add(item);
        }

        return list;
    }

    public static async Task<T> FirstItemAsync<T>(this IAsyncEnumerable<T> items) =>
        (await items.CollectAsync(1)) is [var first] ? first : throw new InvalidOperationException("The list is empty.");
}
