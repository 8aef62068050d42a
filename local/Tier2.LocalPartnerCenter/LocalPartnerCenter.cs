using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Tier2.LocalPartnerCenter;

/// <summary>
/// A local Partner Center running in this process, for one test: its own state on its own port.
/// <code>await using var pc = await LocalPartnerCenter.StartAsync(new LocalPartnerCenterOptions());</code>
/// Calls go to <c>{BaseUrl}/v1/...</c>; tokens come from <see cref="TokenEndpoint"/>. The members below arm faults,
/// seed resellers and read what the server holds and what it was sent.
/// </summary>
public sealed class LocalPartnerCenter : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalPartnerCenter(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Options = app.Services.GetRequiredService<LocalPartnerCenterOptions>();
        State = app.Services.GetRequiredService<PartnerCenterState>();
        Tokens = app.Services.GetRequiredService<TokenStore>();
        Faults = app.Services.GetRequiredService<FaultBook>();
        Log = app.Services.GetRequiredService<RequestLog>();
        Limiter = app.Services.GetRequiredService<RateLimiter>();
        Webhooks = app.Services.GetRequiredService<WebhookDelivery>();
        Signing = app.Services.GetRequiredService<WebhookSigning>();
    }

    /// <summary>The API root, <c>http://127.0.0.1:{port}/</c> (a root Uri always prints its trailing slash): calls go to
    /// <c>{BaseUrl}v1/...</c>, i.e. <c>new Uri(BaseUrl, "v1/...")</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The options it runs with; latency, delays, limits and shapes may be changed while it runs.</summary>
    public LocalPartnerCenterOptions Options { get; }

    /// <summary><c>{BaseUrl}/{providerTenantId}/oauth2/token</c>.</summary>
    public Uri TokenEndpoint => new(BaseUrl, $"{Options.ProviderTenantId}/oauth2/token");

    /// <summary><c>{BaseUrl}/{providerTenantId}/oauth2/authorize</c>.</summary>
    public Uri AuthorizeEndpoint => new(BaseUrl, $"{Options.ProviderTenantId}/oauth2/authorize");

    internal PartnerCenterState State { get; }

    internal TokenStore Tokens { get; }

    internal FaultBook Faults { get; }

    internal RequestLog Log { get; }

    internal RateLimiter Limiter { get; }

    internal WebhookDelivery Webhooks { get; }

    internal WebhookSigning Signing { get; }

    /// <summary>The root of the chain that signs its webhook events (PEM): what a receiver trusts in place of Microsoft's
    /// (<c>PartnerCenter__Events__TrustedRootCertificates</c>). Also at <c>GET /_local/webhook-root.pem</c>.</summary>
    public string WebhookRootPem => Signing.RootPem;

    /// <summary>Where it serves the certificate that signs its events (the events' <c>X-MS-Certificate-Url</c>).</summary>
    public Uri WebhookCertificateUrl => Webhooks.CertificateUrl;

    /// <summary>Every event it sent (or is sending) to the registered webhook, oldest first.</summary>
    public IReadOnlyList<WebhookDeliveryResult> WebhookDeliveries => Webhooks.Deliveries;

    /// <summary>Starts an instance on 127.0.0.1 on a free port.</summary>
    public static async Task<LocalPartnerCenter> StartAsync(LocalPartnerCenterOptions? options = null, CancellationToken cancellationToken = default)
    {
        WebApplication app = LocalPartnerCenterApp.Build(options ?? new LocalPartnerCenterOptions(), [], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalPartnerCenter(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Arms a fault for the next <see cref="FaultSpec.Count"/> matching calls.</summary>
    public void ArmFault(FaultSpec fault) => Faults.Arm(fault);

    /// <summary>Disarms every fault.</summary>
    public void ClearFaults() => Faults.Clear();

    /// <summary>Puts a reseller in partnership with the provider (or updates it); returns its tenant id.</summary>
    public string SeedReseller(SeededReseller reseller)
    {
        lock (State.Gate)
        {
            return State.SeedReseller(reseller).TenantId;
        }
    }

    /// <summary>Adds a customer of an indirect reseller, as if made in Partner Center's portal; returns its id.</summary>
    public string SeedCustomer(SeededCustomer customer)
    {
        lock (State.Gate)
        {
            return State.SeedCustomer(customer).Id!;
        }
    }

    /// <summary>Ends a reseller's partnership (the portal-only removal), audited as remove_partner_relationship.</summary>
    public bool RemoveReseller(string tenantId)
    {
        lock (State.Gate)
        {
            return State.RemoveReseller(tenantId);
        }
    }

    /// <summary>Makes a domain exist outside this server's customers (HEAD answers 200; create refuses it).</summary>
    public void TakeDomain(string domain)
    {
        lock (State.Gate)
        {
            State.TakenDomains.Add(ValidationEndpoints.NormalizeDomain(domain));
        }
    }

    /// <summary>Stops selling a catalog item (<c>{productId}:{skuId}:{availabilityId}</c>): its SKU no longer lists it and carts refuse it. False when it is not sold.</summary>
    public bool WithdrawCatalogItem(string catalogItemId) => State.Catalog.Withdraw(catalogItemId);

    /// <summary>A refresh token for the integration user, as if it had consented (skips the authorize flow).</summary>
    public IssuedRefreshToken IssueRefreshToken() => Tokens.IssueRefreshToken();

    /// <summary>A refresh token for another user of the provider's tenant (someone working in the Partner Center portal):
    /// calls made with it are audited under that user's name.</summary>
    public IssuedRefreshToken IssueRefreshToken(string userPrincipalName) => Tokens.IssueRefreshToken(userPrincipalName);

    /// <summary>Every access and refresh token it issued (for tests that look for secrets where none belongs).</summary>
    public IReadOnlyList<string> IssuedTokens() => Tokens.Issued();

    /// <summary>Revokes one refresh token, or all when null; returns how many.</summary>
    public int RevokeRefreshTokens(string? refreshToken = null) => Tokens.Revoke(refreshToken);

    /// <summary>How many of each resource it holds (orders due are provisioned first).</summary>
    public LocalCounts Counts()
    {
        lock (State.Gate)
        {
            return State.Counts();
        }
    }

    /// <summary>Whether a checkout of <paramref name="cartId"/> is being processed right now (for tests that race a second one).</summary>
    public bool IsCheckingOut(string cartId)
    {
        lock (State.Gate)
        {
            return State.Carts.TryGetValue(cartId, out var cart) && cart.Processing;
        }
    }

    /// <summary>The customers it holds (without credentials), oldest first.</summary>
    public IReadOnlyList<Wire.Customer> Customers()
    {
        lock (State.Gate)
        {
            return [.. State.Customers];
        }
    }

    /// <summary>The temporary password the create answer gave a customer (what an app should show once), or null.</summary>
    public string? IssuedPassword(string customerId)
    {
        lock (State.Gate)
        {
            return State.CustomerCreatesByRequestId.Values.FirstOrDefault(c => string.Equals(c.Id, customerId, StringComparison.OrdinalIgnoreCase))?.UserCredentials?.Password;
        }
    }

    /// <summary>The Microsoft Customer Agreement attestations of a customer.</summary>
    public IReadOnlyList<Wire.Agreement> AgreementsOf(string customerId)
    {
        lock (State.Gate)
        {
            return State.Agreements.TryGetValue(customerId, out List<Wire.Agreement>? agreements) ? [.. agreements] : [];
        }
    }

    /// <summary>The carts of a customer, as created.</summary>
    public IReadOnlyList<Wire.Cart> CartsOf(string customerId)
    {
        lock (State.Gate)
        {
            return [.. State.Carts.Values.Where(c => string.Equals(c.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)).Select(c => c.Cart)];
        }
    }

    /// <summary>The orders of a customer (orders due are provisioned first).</summary>
    public IReadOnlyList<Wire.Order> OrdersOf(string customerId)
    {
        lock (State.Gate)
        {
            State.ProvisionDue();
            return [.. State.Orders.Values.Where(o => string.Equals(o.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)).Select(o => o.Order)];
        }
    }

    /// <summary>Every API call received, oldest first, with its headers (without Authorization).</summary>
    public IReadOnlyList<SeenRequest> Requests => Log.Requests;

    /// <summary>The calls to a path (exact, case-insensitive), oldest first.</summary>
    public IReadOnlyList<SeenRequest> RequestsTo(string method, string path) =>
        [.. Log.Requests.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Every subscription PATCH body received, and whether it cost auto-renew.</summary>
    public IReadOnlyList<ReceivedPatch> PatchBodies => Log.Patches;

    /// <summary>How many calls the rate limit refused.</summary>
    public int RateLimitedCount => Limiter.Refused;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
