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
