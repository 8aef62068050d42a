using System.Text;
using Azure.Data.Tables;
using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.LocalPartnerCenter;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;
using Tier2Customer = Tier2.Functions.Customers.Customer;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>
/// Changes made outside Tier2, as Partner Center reports them: signed events (a chain made for the test), real Azurite,
/// and a local Partner Center that the durable step reads again.
/// </summary>
public sealed class PartnerCenterEventTests
{
    private const string ResellerMpn = "7654321";

    [Fact]
    public async Task A_signed_subscription_updated_event_sets_the_tier2_subscription_to_what_partner_center_says()
    {
        await using var s = await Scenario.StartAsync();
        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        var tier2 = await s.Tier2SubscriptionAsync(pcCustomer, pcSubscription);
        var reseller = await s.Tier2ResellerAsync(ResellerMpn);
        // The change made outside Tier2, in Partner Center; the event says only that something changed.
        await s.Client.Subscriptions.ChangeQuantityAsync(pcCustomer, pcSubscription, 7);
        var body = PartnerCenterEventSigner.SubscriptionUpdated(pcCustomer, pcSubscription);

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = (await response.Content.ReadFromJsonAsync<PartnerCenterEventReceipt>())!;
        Assert.Equal(PartnerCenterEvent.IdOf(body), receipt.Id);
        Assert.False(receipt.Repeat);
        var finished = await s.FinishedAsync(receipt.Id);
        Assert.Equal(PartnerCenterEventOutcome.Applied, finished.Outcome);
        var after = (await s.App.Services.GetRequiredService<SubscriptionStore>().GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!;
        var read = await s.Client.Subscriptions.GetAsync(pcCustomer, pcSubscription);
        Assert.Equal(7, after.Quantity);
        Assert.Equal(SubscriptionStatus.Active, after.Status);
        Assert.Equal(ResellerMpn, after.PartnerIdOnRecord);
        Assert.Equal(reseller.Id, after.PartnerOfRecordResellerId);
        Assert.Equal(read.AutoRenewEnabled, after.AutoRenewEnabled);
        var audit = await AuditLog.ReadAsync(s.App.Services.GetRequiredService<CustomerStore>().Table, tier2.CustomerId, "subscription", tier2.Id, 10, null, CancellationToken.None);
        Assert.Contains(audit.Items, a => a.GetString("Action") == PartnerCenterSubscriptionSync.Action && a.GetString("Actor") == "partner-center:event");
    }

    [Fact]
    public async Task A_replayed_event_is_acknowledged_and_changes_nothing()
    {
        await using var s = await Scenario.StartAsync();
        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        var tier2 = await s.Tier2SubscriptionAsync(pcCustomer, pcSubscription);
        await s.Client.Subscriptions.ChangeQuantityAsync(pcCustomer, pcSubscription, 5);
        var body = PartnerCenterEventSigner.SubscriptionUpdated(pcCustomer, pcSubscription);
        var signature = s.Signer.Sign(body);
        using (var first = await s.App.Client.SendAsync(s.Signer.Request(body, signature)))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await s.FinishedAsync(PartnerCenterEvent.IdOf(body));
        // Partner Center changes again, but the replay of the old event is not news.
        await s.Client.Subscriptions.ChangeQuantityAsync(pcCustomer, pcSubscription, 9);
        var reads = s.Pc.RequestsTo("GET", $"/v1/customers/{pcCustomer}/subscriptions/{pcSubscription}").Count;

        using var replay = await s.App.Client.SendAsync(s.Signer.Request(body, signature));

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True((await replay.Content.ReadFromJsonAsync<PartnerCenterEventReceipt>())!.Repeat);
        await Task.Delay(1500);
        Assert.Equal(reads, s.Pc.RequestsTo("GET", $"/v1/customers/{pcCustomer}/subscriptions/{pcSubscription}").Count);
        Assert.Equal(5, (await s.App.Services.GetRequiredService<SubscriptionStore>().GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!.Quantity);
    }

    [Fact]
    public async Task Forged_altered_foreign_and_untrusted_events_are_401_and_change_nothing()
    {
        await using var s = await Scenario.StartAsync();
        var body = PartnerCenterEventSigner.SubscriptionUpdated(Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var signature = s.Signer.Sign(body);
        var altered = body.ToArray();
        altered[^3] ^= 0x01;
        var onAnotherHost = new Uri(s.Signer.CertificateUrl.AbsoluteUri.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        var refused = new (string Case, HttpRequestMessage Request)[]
        {
            ("no signature", s.Signer.Request(body, null)),
            ("forged signature", s.Signer.Request(body, Convert.ToBase64String(new byte[256]))),
            ("signature not base64", s.Signer.Request(body, "not*base64!")),
            ("body changed after signing", s.Signer.Request(altered, signature)),
            ("certificate on another host", s.Signer.Request(body, signature, onAnotherHost)),
            ("certificate URL neither https nor http", s.Signer.Request(body, signature, new Uri(s.Signer.CertificateUrl.AbsoluteUri.Replace("http://", "ftp://", StringComparison.Ordinal)))),
            ("certificate from an untrusted chain", s.Signer.Request(body, s.Signer.Sign(body, s.Signer.UntrustedKey), s.Signer.UntrustedCertificateUrl)),
            ("re-signed with the untrusted key, trusted certificate", s.Signer.Request(body, s.Signer.Sign(body, s.Signer.UntrustedKey))),
            ("another algorithm", s.Signer.Request(body, signature, algorithm: "rsa-sha1")),
            ("certificate of another organization from the trusted root", s.Signer.Request(body, s.Signer.Sign(body, s.Signer.OtherOrganizationKey), s.Signer.OtherOrganizationCertificateUrl)),
            ("certificate URL with credentials", s.Signer.Request(body, signature, new Uri(s.Signer.CertificateUrl.AbsoluteUri.Replace("http://", "http://user:pass@", StringComparison.Ordinal)))),
        };

        foreach (var (name, request) in refused)
        {
            using (request)
            using (var response = await s.App.Client.SendAsync(request))
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        var stored = s.App.Services.GetRequiredService<TableServiceClient>().GetTableClient(s.App.Services.GetRequiredService<StorageNames>().Table(PartnerCenterEventStore.TableName));
        Assert.Empty(await stored.QueryAsync<TableEntity>().CollectAsync());
        Assert.DoesNotContain(s.Pc.Requests, r => r.Path.Contains("/subscriptions/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bodies_that_are_too_large_cut_or_not_json_are_refused_without_a_500()
    {
        await using var s = await Scenario.StartAsync();
        var huge = Encoding.UTF8.GetBytes("{\"EventName\":\"" + new string('x', 20_000) + "\"}");
        var cut = PartnerCenterEventSigner.SubscriptionUpdated("c", "s")[..25];
        var notJson = Encoding.UTF8.GetBytes("EventName=subscription-updated");

        using var tooLarge = await s.App.Client.SendAsync(s.Signer.Request(huge, s.Signer.Sign(huge)));
        using var cutOff = await s.App.Client.SendAsync(s.Signer.Request(cut, s.Signer.Sign(cut)));
        using var text = await s.App.Client.SendAsync(s.Signer.Request(notJson, s.Signer.Sign(notJson)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, cutOff.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        Assert.True((await text.ReadProblemAsync()).Errors.ContainsKey("EventName"));
    }

    [Fact]
    public async Task A_signed_event_whose_body_starts_with_a_utf8_byte_order_mark_is_received_not_refused()
    {
        // A BOM is legal before JSON text (RFC 8259 lets a parser ignore it) and the app's other JSON bodies accept it:
        // refusing it would make Partner Center retry a genuine event until it gives up, and the change would be lost.
        await using var s = await Scenario.StartAsync();
        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        byte[] body = [0xEF, 0xBB, 0xBF, .. PartnerCenterEventSigner.SubscriptionUpdated(pcCustomer, pcSubscription)];

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var receipt = (await response.Content.ReadFromJsonAsync<PartnerCenterEventReceipt>())!;
        Assert.Equal(PartnerCenterEvent.IdOf(body), receipt.Id);
        var finished = await s.FinishedAsync(receipt.Id);
        Assert.Equal((PartnerCenterEvent.SubscriptionUpdated, PartnerCenterEventOutcome.Unknown), (finished.Event.EventName, finished.Outcome));
        Assert.Contains(pcSubscription, finished.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_for_a_subscription_tier2_does_not_have_is_recorded_as_unknown()
    {
        await using var s = await Scenario.StartAsync();
        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        var body = PartnerCenterEventSigner.SubscriptionUpdated(pcCustomer, pcSubscription);

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var finished = await s.FinishedAsync(PartnerCenterEvent.IdOf(body));
        Assert.Equal(PartnerCenterEventOutcome.Unknown, finished.Outcome);
        Assert.Contains(pcSubscription, finished.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_customer_accepting_the_relationship_is_recorded_on_the_tier2_customer()
    {
        await using var s = await Scenario.StartAsync();
        var resellerTenant = s.Pc.SeedReseller(new SeededReseller(null, ResellerMpn, "Fabrikam Resellers"));
        var prefix = CustomerTestKit.NewDomainPrefix();
        var pcCustomer = await s.Client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(resellerTenant, prefix + ".onmicrosoft.com"));
        var tier2 = await s.Tier2CustomerAsync(prefix);
        var body = PartnerCenterEventSigner.Body(PartnerCenterEvent.RelationshipAccepted, $"https://api.partnercenter.microsoft.com/webhooks/v1/customers/{pcCustomer.Id}", "customer");

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(PartnerCenterEventOutcome.Applied, (await s.FinishedAsync(PartnerCenterEvent.IdOf(body))).Outcome);
        var store = s.App.Services.GetRequiredService<CustomerStore>();
        Assert.Equal(pcCustomer.Id, (await store.GetAsync(tier2.Id, CancellationToken.None))!.PartnerCenterId);
        Assert.Equal(tier2.Id, await CustomerTestKit.IndexedCustomerIdAsync(store, pcCustomer.Id));
    }

    [Fact]
    public async Task A_relationship_event_finds_a_customer_linked_before_the_index_existed_and_indexes_it()
    {
        await using var s = await Scenario.StartAsync();
        var resellerTenant = s.Pc.SeedReseller(new SeededReseller(null, ResellerMpn, "Fabrikam Resellers"));
        var pcCustomer = await s.Client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(resellerTenant));
        // Another domain than Partner Center's: only the Partner Center id can find it.
        var tier2 = await s.Tier2CustomerAsync(partnerCenterId: pcCustomer.Id);
        var store = s.App.Services.GetRequiredService<CustomerStore>();
        await CustomerTestKit.ForgetPartnerCenterIndexAsync(store, pcCustomer.Id);
        var body = PartnerCenterEventSigner.Body(PartnerCenterEvent.RelationshipAccepted, $"https://api.partnercenter.microsoft.com/webhooks/v1/customers/{pcCustomer.Id}", "customer");

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var finished = await s.FinishedAsync(PartnerCenterEvent.IdOf(body));
        Assert.Equal(PartnerCenterEventOutcome.Applied, finished.Outcome);
        Assert.Contains(tier2.Id, finished.Detail, StringComparison.Ordinal);
        Assert.Equal(tier2.Id, await CustomerTestKit.IndexedCustomerIdAsync(store, pcCustomer.Id));
    }

    [Fact]
    public async Task A_subscription_event_finds_a_customer_linked_before_the_index_existed_and_indexes_it()
    {
        await using var s = await Scenario.StartAsync();
        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        var tier2 = await s.Tier2SubscriptionAsync(pcCustomer, pcSubscription);
        var store = s.App.Services.GetRequiredService<CustomerStore>();
        await CustomerTestKit.ForgetPartnerCenterIndexAsync(store, pcCustomer);
        await s.Client.Subscriptions.ChangeQuantityAsync(pcCustomer, pcSubscription, 4);
        var body = PartnerCenterEventSigner.SubscriptionUpdated(pcCustomer, pcSubscription);

        using var response = await s.App.Client.SendAsync(s.Signer.Request(body, s.Signer.Sign(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(PartnerCenterEventOutcome.Applied, (await s.FinishedAsync(PartnerCenterEvent.IdOf(body))).Outcome);
        Assert.Equal(4, (await s.App.Services.GetRequiredService<SubscriptionStore>().GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!.Quantity);
        Assert.Equal(tier2.CustomerId, await CustomerTestKit.IndexedCustomerIdAsync(store, pcCustomer));
    }

    [Fact]
    public async Task Registering_through_the_endpoint_reaches_partner_center_with_tier2s_public_event_url()
    {
        await using var s = await Scenario.StartAsync();
        using var admin = s.App.ClientAs();

        using var first = await admin.PutAsync(new Uri("api/partner-center/webhooks", UriKind.Relative), null);
        using var second = await admin.PutAsync(new Uri("api/partner-center/webhooks", UriKind.Relative), null);
        var read = await admin.GetFromJsonAsync<PartnerCenterWebhookView>("api/partner-center/webhooks");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("http://tier2.test.example/api/partner-center/events", read!.WebhookUrl);
        Assert.Equal(PartnerCenterEvent.Registered.Order(), read.WebhookEvents.Order());
        Assert.Single(s.Pc.RequestsTo("POST", "/webhooks/v1/registration"));
        Assert.Single(s.Pc.RequestsTo("PUT", "/webhooks/v1/registration"));
        using var reseller = s.App.ClientAs(Tier2.Functions.Auth.Roles.ResellerAdmin, "r1");
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.PutAsync(new Uri("api/partner-center/webhooks", UriKind.Relative), null)).StatusCode);
    }

    [Fact]
    public async Task A_quantity_changed_in_the_local_partner_centers_portal_reaches_tier2_by_its_signed_event()
    {
        // No signer of the test's own: the local Partner Center signs with the chain it made, and the app trusts its root.
        await using var s = await Scenario.StartAsync(signedByLocalPartnerCenter: true);
        using (var registered = await s.App.ClientAs().PutAsync(new Uri("api/partner-center/webhooks", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        var (pcCustomer, pcSubscription) = await s.PartnerCenterSubscriptionAsync();
        var tier2 = await s.Tier2SubscriptionAsync(pcCustomer, pcSubscription);
        using var portal = new HttpClient { BaseAddress = s.Pc.BaseUrl };

        using var changed = await portal.PatchAsJsonAsync($"_local/customers/{pcCustomer}/subscriptions/{pcSubscription}", new PortalSubscriptionChange(Quantity: 6), PartnerCenterJson.Default.PortalSubscriptionChange);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var delivery = await Eventually.UntilAsync(() => Task.FromResult(Assert.Single(s.Pc.WebhookDeliveries)), d => d.Status != WebhookDeliveryStatus.Pending, what: "the event's delivery");
        Assert.Equal((WebhookDeliveryStatus.Delivered, 202), (delivery.Status, delivery.LastStatus));
        Assert.Equal(s.App.Address.Port, new Uri(delivery.WebhookUrl).Port);
        var finished = await s.FinishedAsync(PartnerCenterEvent.IdOf(Encoding.UTF8.GetBytes(delivery.Body)));
        Assert.Equal((PartnerCenterEvent.SubscriptionUpdated, PartnerCenterEventOutcome.Applied), (finished.Event.EventName, finished.Outcome));
        var after = (await s.App.Services.GetRequiredService<SubscriptionStore>().GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!;
        Assert.Equal(6, after.Quantity);
        Assert.Equal(ResellerMpn, after.PartnerIdOnRecord);
    }

    [Theory]
    [InlineData("PartnerCenter:Events:CertificateHost", "not a host/", "PartnerCenter__Events__CertificateHost")]
    [InlineData("PartnerCenter:Events:TrustedRootCertificates", "not a certificate", "PartnerCenter__Events__TrustedRootCertificates")]
    [InlineData("PartnerCenter:Events:MaxBodyBytes", "10", "PartnerCenter__Events__MaxBodyBytes")]
    public async Task Start_up_fails_naming_a_wrong_event_setting(string key, string value, string settingName)
    {
        var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
        settings[key] = value;
        await using var app = TestApp.Build(settings);

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains(settingName, StringComparison.Ordinal));
    }

    /// <summary>A local Partner Center, a signer, and an app connected to the one and trusting the other.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        private Scenario(LocalPc pc, PartnerCenterEventSigner signer, TestApp app)
        {
            Pc = pc;
            Signer = signer;
            App = app;
        }

        public LocalPc Pc { get; }

        public PartnerCenterEventSigner Signer { get; }

        public TestApp App { get; }

        public PartnerCenterClient Client => App.Services.GetRequiredService<PartnerCenterClient>();

        /// <param name="signedByLocalPartnerCenter">Trust the local Partner Center's own signing chain (its events reach the
        /// app on a port of its own, its public base URL) instead of the test's signer.</param>
        public static async Task<Scenario> StartAsync(bool signedByLocalPartnerCenter = false)
        {
            var pc = await LocalPc.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero });
            var signer = await PartnerCenterEventSigner.StartAsync();
            var app = signedByLocalPartnerCenter
                ? await PartnerCenterTestKit.StartAsync(pc, settings => PartnerCenterTestKit.TrustEventsOf(settings, pc), publicOnOwnPort: true)
                : await PartnerCenterTestKit.StartAsync(pc, signer.Configure);
            await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
            return new Scenario(pc, signer, app);
        }

        /// <summary>A subscription bought in Partner Center (customer, MCA, cart, checkout): its customer and subscription ids.</summary>
        public async Task<(string CustomerId, string SubscriptionId)> PartnerCenterSubscriptionAsync()
        {
            var resellerTenant = Pc.SeedReseller(new SeededReseller(null, ResellerMpn, "Fabrikam Resellers"));
            var (customerId, _, subscriptionId) = await PartnerCenterTestKit.BuyAsync(Client, resellerTenant, ResellerMpn, quantity: 2);
            return (customerId, subscriptionId);
        }

        public async Task<Tier2Customer> Tier2CustomerAsync(string? domainPrefix = null, string? partnerCenterId = null) =>
            await App.Services.GetRequiredService<CustomerStore>().CreateAsync(
                new Tier2Customer { Id = Guid.NewGuid().ToString("N"), CompanyName = "Wingtip Toys", DomainPrefix = domainPrefix ?? CustomerTestKit.NewDomainPrefix(), OrderId = "o-" + Guid.NewGuid().ToString("N")[..8], CreatedAt = DateTimeOffset.UtcNow, PartnerCenterId = partnerCenterId },
                null,
                "test",
                CancellationToken.None);

        /// <summary>
        /// A Tier2 subscription row carrying <paramref name="partnerCenterSubscriptionId"/>, at 2 licences with no partner of
        /// record, of a Tier2 customer carrying <paramref name="partnerCenterCustomerId"/> (as onboarding leaves them).
        /// </summary>
        public async Task<Tier2Subscription> Tier2SubscriptionAsync(string partnerCenterCustomerId, string partnerCenterSubscriptionId)
        {
            var customer = await Tier2CustomerAsync(partnerCenterId: partnerCenterCustomerId);
            var offer = new Offer("exchange-online-plan-1", "Exchange Online (Plan 1)", 1, 300, ["P1Y"], ["monthly"]);
            var subscription = Tier2Subscription.Purchase(SubscriptionStore.NewId(), customer.Id, offer, 2, "P1Y", "monthly", null, null, DateTimeOffset.UtcNow)
                with { PartnerCenterSubscriptionId = partnerCenterSubscriptionId };
            return await App.Services.GetRequiredService<SubscriptionStore>().CreateAsync(subscription, null, "test", CancellationToken.None);
        }

        public async Task<Reseller> Tier2ResellerAsync(string mpnId)
        {
            var reseller = CustomerTestKit.NewReseller("Fabrikam Resellers", mpnId);
            Assert.True((await App.Services.GetRequiredService<ResellerStore>().CreateAsync(reseller, "test", CancellationToken.None)).Created);
            return reseller;
        }

        public Task<ReceivedPartnerCenterEvent> FinishedAsync(string id) =>
            Eventually.UntilAsync(
                async () => (await App.Services.GetRequiredService<PartnerCenterEventStore>().GetAsync(id, CancellationToken.None))!,
                e => e is { Outcome: not PartnerCenterEventOutcome.Received },
                what: "the event's outcome");

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Signer.DisposeAsync();
            await Pc.DisposeAsync();
        }
    }
}
