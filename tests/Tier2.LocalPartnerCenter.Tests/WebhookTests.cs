using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter.Tests;

/// <summary>Events going out as Partner Center sends them (FACTS 10): signed with the server's own chain, to the registered
/// webhook, retried, and caused by API and portal changes alike.</summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task A_subscription_change_is_posted_to_the_webhook_signed_by_a_certificate_that_chains_to_the_served_root()
    {
        await using Scenario s = await Scenario.StartAsync();
        await s.RegisterAsync("subscription-updated");
        (string customerId, string subscriptionId) = await s.SubscriptionAsync();

        using (HttpResponseMessage patched = await s.Caller.SendAsync(HttpMethod.Patch, $"v1/customers/{customerId}/subscriptions/{subscriptionId}",
            JsonContent.Create(new Subscription(Quantity: 6, AutoRenewEnabled: true), PartnerCenterJson.Default.Subscription)))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        Received post = Assert.Single(await s.Receiver.UntilAsync(1));
        // Raw JSON on purpose: this pins Partner Center's wire names for an event (PascalCase, FACTS 10), not a record's.
        using JsonDocument body = JsonDocument.Parse(post.Body);
        Assert.Equal("subscription-updated", body.RootElement.GetProperty("EventName").GetString());
        Assert.EndsWith($"/webhooks/v1/customers/{customerId}/subscriptions/{subscriptionId}", body.RootElement.GetProperty("ResourceUri").GetString(), StringComparison.Ordinal);
        Assert.Equal("subscription", body.RootElement.GetProperty("ResourceName").GetString());
        Assert.True(DateTimeOffset.TryParse(body.RootElement.GetProperty("ResourceChangeUtcDate").GetString(), out _));
        Assert.Equal("rsa-sha256", post.Headers["X-MS-Signature-Algorithm"]);
        Assert.StartsWith("Signature ", post.Headers["Authorization"], StringComparison.Ordinal);

        string rootPem = await s.Caller.Http.GetStringAsync("_local/webhook-root.pem");
        Assert.Equal(s.Pc.WebhookRootPem, rootPem);
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(await s.Caller.Http.GetByteArrayAsync(new Uri(post.Headers["X-MS-Certificate-Url"])));
        Assert.Equal("127.0.0.1", new Uri(post.Headers["X-MS-Certificate-Url"]).Host);
        Assert.Contains("O=Tier2 Local Partner Center", certificate.Subject, StringComparison.Ordinal);
        Assert.True(ChainsTo(certificate, rootPem));
        using RSA key = certificate.GetRSAPublicKey()!;
        byte[] signature = Convert.FromBase64String(post.Headers["Authorization"]["Signature ".Length..]);
        Assert.True(key.VerifyData(post.Body, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        byte[] altered = [.. post.Body];
        altered[^3] ^= 1;
        Assert.False(key.VerifyData(altered, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        await using LocalPartnerCenter other = await LocalPartnerCenter.StartAsync();
        Assert.False(ChainsTo(certificate, other.WebhookRootPem));
    }

    [Fact]
    public async Task A_refused_delivery_is_retried_with_the_same_signed_body_until_the_receiver_takes_it()
    {
        await using Scenario s = await Scenario.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero, WebhookRetryDelay = TimeSpan.FromMilliseconds(20) });
        s.Receiver.Answers.Enqueue(HttpStatusCode.ServiceUnavailable);
        s.Receiver.Answers.Enqueue(HttpStatusCode.InternalServerError);
        await s.RegisterAsync("subscription-updated");
        (string customerId, string subscriptionId) = await s.SubscriptionAsync();

        await s.ChangeInPortalAsync(customerId, subscriptionId, new PortalSubscriptionChange(Quantity: 4));

        IReadOnlyList<Received> posts = await s.Receiver.UntilAsync(3);
        Assert.Single(posts.Select(p => Convert.ToBase64String(p.Body)).Distinct());
        Assert.Single(posts.Select(p => p.Headers["Authorization"]).Distinct());
        WebhookDeliveryResult delivery = await Until(() => Assert.Single(s.Pc.WebhookDeliveries), d => d.Status != WebhookDeliveryStatus.Pending);
        Assert.Equal((WebhookDeliveryStatus.Delivered, 3, 200), (delivery.Status, delivery.Attempts, delivery.LastStatus));
    }

    [Fact]
    public async Task A_delivery_the_receiver_never_takes_fails_after_the_configured_attempts()
    {
        await using Scenario s = await Scenario.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero, WebhookAttempts = 2, WebhookRetryDelay = TimeSpan.FromMilliseconds(20) });
        for (int i = 0; i < 5; i++)
        {
            s.Receiver.Answers.Enqueue(HttpStatusCode.InternalServerError);
        }

        await s.RegisterAsync("subscription-updated");
        (string customerId, string subscriptionId) = await s.SubscriptionAsync();

        await s.ChangeInPortalAsync(customerId, subscriptionId, new PortalSubscriptionChange(Quantity: 4));

        WebhookDeliveryResult delivery = await Until(() => Assert.Single(s.Pc.WebhookDeliveries), d => d.Status != WebhookDeliveryStatus.Pending);
        Assert.Equal((WebhookDeliveryStatus.Failed, 2, 500), (delivery.Status, delivery.Attempts, delivery.LastStatus));
    }

    [Fact]
    public async Task A_portal_change_keeps_auto_renew_is_audited_as_the_portal_user_and_sends_subscription_updated()
    {
        await using Scenario s = await Scenario.StartAsync();
        await s.RegisterAsync("subscription-updated");
        (string customerId, string subscriptionId) = await s.SubscriptionAsync();

        Subscription changed = await s.ChangeInPortalAsync(customerId, subscriptionId, new PortalSubscriptionChange(Quantity: 9, FriendlyName: "Sales team"));

        Assert.Equal((9, true, "Sales team"), (changed.Quantity, changed.AutoRenewEnabled, changed.FriendlyName));
        using HttpResponseMessage read = await s.Caller.SendAsync(HttpMethod.Get, $"v1/customers/{customerId}/subscriptions/{subscriptionId}");
        Assert.Equal(9, (await PartnerCenterCaller.ReadAsync(read, HttpStatusCode.OK, PartnerCenterJson.Default.Subscription)).Quantity);
        using HttpResponseMessage audit = await s.Caller.SendAsync(HttpMethod.Get, "v1/auditrecords");
        AuditRecord last = (await PartnerCenterCaller.ReadAsync(audit, HttpStatusCode.OK, PartnerCenterJson.Default.ResourceCollectionAuditRecord)).Items[^1];
        Assert.Equal(("update_subscription", s.Pc.Options.PortalUserUpn), (last.OperationType, last.UserPrincipalName));
        Assert.Empty(s.Pc.PatchBodies);
        Received post = Assert.Single(await s.Receiver.UntilAsync(1));
        Assert.Contains(subscriptionId, Encoding.UTF8.GetString(post.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_registered_events_are_sent_and_the_validation_event_reports_its_delivery()
    {
        await using Scenario s = await Scenario.StartAsync();
        (string customerId, string subscriptionId) = await s.SubscriptionAsync();
        await s.ChangeInPortalAsync(customerId, subscriptionId, new PortalSubscriptionChange(Quantity: 3));
        await s.RegisterAsync("test-created");
        await s.ChangeInPortalAsync(customerId, subscriptionId, new PortalSubscriptionChange(Quantity: 4));

        using HttpResponseMessage sent = await s.Caller.SendAsync(HttpMethod.Post, "webhooks/v1/registration/validationEvents");
        string correlationId = (await PartnerCenterCaller.ReadAsync(sent, HttpStatusCode.OK, PartnerCenterJson.Default.ValidationEventAnswer)).CorrelationId;

        WebhookDeliveryResult result = await Until(async () =>
        {
            using HttpResponseMessage read = await s.Caller.SendAsync(HttpMethod.Get, $"webhooks/v1/registration/validationEvents/{correlationId}");
            return await PartnerCenterCaller.ReadAsync(read, HttpStatusCode.OK, PartnerCenterJson.Default.WebhookDeliveryResult);
        }, d => d.Status != WebhookDeliveryStatus.Pending);
        Assert.Equal(WebhookDeliveryStatus.Delivered, result.Status);
        Received post = Assert.Single(s.Receiver.Posts);
        Assert.Contains("\"EventName\":\"test-created\"", Encoding.UTF8.GetString(post.Body), StringComparison.Ordinal);
        Assert.Single(s.Pc.WebhookDeliveries);
    }

    [Fact]
    public async Task An_event_on_demand_goes_to_the_registered_webhook_and_without_one_is_409()
    {
        await using Scenario s = await Scenario.StartAsync();
        LocalEvent e = new("reseller-relationship-accepted-by-customer", "https://api.partnercenter.microsoft.com/webhooks/v1/customers/c1", "customer");

        using HttpResponseMessage unregistered = await s.Caller.Http.PostAsJsonAsync("_local/events", e, PartnerCenterJson.Default.LocalEvent);
        await s.RegisterAsync("subscription-updated");
        using HttpResponseMessage sent = await s.Caller.Http.PostAsJsonAsync("_local/events", e, PartnerCenterJson.Default.LocalEvent);

        Assert.Equal(HttpStatusCode.Conflict, unregistered.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Received post = Assert.Single(await s.Receiver.UntilAsync(1));
        Assert.Contains("\"ResourceUri\":\"https://api.partnercenter.microsoft.com/webhooks/v1/customers/c1\"", Encoding.UTF8.GetString(post.Body), StringComparison.Ordinal);
    }

    private static bool ChainsTo(X509Certificate2 certificate, string rootPem)
    {
        using X509Chain chain = new();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        X509Certificate2Collection roots = [];
        roots.ImportFromPem(rootPem);
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }

    private static Task<T> Until<T>(Func<T> read, Func<T, bool> done) => Until(() => Task.FromResult(read()), done);

    /// <summary>Reads until <paramref name="done"/> (delivery runs in the background), for at most 30 seconds.</summary>
    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (int i = 0; ; i++)
        {
            T value = await read();
            if (done(value) || i >= 300)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    private sealed record Received(IReadOnlyDictionary<string, string> Headers, byte[] Body);

    /// <summary>A webhook receiver on 127.0.0.1: records each POST, answers the queued statuses, then 200.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Received> _posts = new();

        private Receiver(WebApplication app) => _app = app;

        public ConcurrentQueue<HttpStatusCode> Answers { get; } = new();

        public IReadOnlyList<Received> Posts => [.. _posts];

        public Uri Url { get; private set; } = null!;

        public static async Task<Receiver> StartAsync()
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            WebApplication app = builder.Build();
            Receiver receiver = new(app);
            app.MapPost("/api/partner-center/events", async (HttpRequest request) =>
            {
                using MemoryStream body = new();
                await request.Body.CopyToAsync(body);
                receiver._posts.Enqueue(new Received(request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
                return Results.StatusCode(receiver.Answers.TryDequeue(out HttpStatusCode status) ? (int)status : 200);
            });
            await app.StartAsync();
            receiver.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/api/partner-center/events");
            return receiver;
        }

        public Task<IReadOnlyList<Received>> UntilAsync(int count) => Until(() => Posts, p => p.Count >= count);

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private sealed class Scenario : IAsyncDisposable
    {
        private Scenario(LocalPartnerCenter pc, PartnerCenterCaller caller, Receiver receiver) => (Pc, Caller, Receiver) = (pc, caller, receiver);

        public LocalPartnerCenter Pc { get; }

        public PartnerCenterCaller Caller { get; }

        public Receiver Receiver { get; }

        public static async Task<Scenario> StartAsync(LocalPartnerCenterOptions? options = null)
        {
            LocalPartnerCenter pc = await LocalPartnerCenter.StartAsync(options ?? new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero });
            return new Scenario(pc, await new PartnerCenterCaller(pc).AsAppPlusUserAsync(), await Receiver.StartAsync());
        }

        public async Task RegisterAsync(params string[] events)
        {
            using HttpResponseMessage registered = await Caller.SendAsync(HttpMethod.Post, "webhooks/v1/registration",
                JsonContent.Create(new WebhookRegistration(null, Receiver.Url.AbsoluteUri, events), PartnerCenterJson.Default.WebhookRegistration));
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        public async Task<(string CustomerId, string SubscriptionId)> SubscriptionAsync()
        {
            (Customer customer, Cart cart) = await Caller.CustomerWithCartAsync($"wingtip{Guid.NewGuid():N}"[..20] + ".onmicrosoft.com");
            using HttpResponseMessage checkout = await Caller.CheckoutAsync(customer, cart);
            return (customer.Id!, (await PartnerCenterCaller.ReadAsync(checkout, HttpStatusCode.Created, PartnerCenterJson.Default.CartCheckoutResult)).Orders[0].LineItems[0].SubscriptionId!);
        }

        public async Task<Subscription> ChangeInPortalAsync(string customerId, string subscriptionId, PortalSubscriptionChange change)
        {
            using HttpResponseMessage changed = await Caller.Http.PatchAsJsonAsync($"_local/customers/{customerId}/subscriptions/{subscriptionId}", change, PartnerCenterJson.Default.PortalSubscriptionChange);
            return await PartnerCenterCaller.ReadAsync(changed, HttpStatusCode.OK, PartnerCenterJson.Default.Subscription);
        }

        public async ValueTask DisposeAsync()
        {
            Caller.Dispose();
            await Pc.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }
}
