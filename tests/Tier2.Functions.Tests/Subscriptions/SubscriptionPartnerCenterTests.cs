using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using Customer = Tier2.Functions.Customers.Customer;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;
using Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.Subscriptions;

/// <summary>
/// Changes through Tier2's API to a subscription that lives in Partner Center, against the local Partner Center: a
/// customer created there, its MCA attested and a cart checked out, then a Tier2 subscription row carrying its id.
/// </summary>
public sealed class SubscriptionPartnerCenterTests
{
    [Fact]
    public async Task A_quantity_increase_reaches_Partner_Center_as_a_full_resource_patch_that_keeps_auto_renew()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();

        var (status, row) = await world.PatchAsync(new { quantity = 8 });

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.NotNull(row.PendingChange);
        Assert.Equal(5, row.Quantity);
        var synced = await world.SyncedAsync();
        Assert.Equal(8, synced.Quantity);
        Assert.Equal(PartnerCenterSyncOutcome.Applied, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(8, synced.PartnerCenterSync.Quantity);
        Assert.True(synced.PartnerCenterSync.AutoRenewEnabled);
        var patch = Assert.Single(world.Pc.PatchBodies);
        Assert.False(patch.AutoRenewTurnedOff, patch.Body);
        Assert.False(patch.NextTermInstructionsDeleted, patch.Body);
        Assert.Equal(8, (await world.PcSubscriptionAsync()).Quantity);
        Assert.Contains("partner-center-applied", await world.AuditActionsAsync());
    }

    [Fact]
    public async Task The_license_count_of_a_subscription_whose_item_partner_center_no_longer_sells_cannot_change()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        Assert.True(world.Pc.WithdrawCatalogItem("CFQ7TTC0LH18:0001:CFQ7TTC0K971"));
        using (var refresh = await world.Provider.PostAsync("/api/offers/refresh", null))
        {
            Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        }

        using var response = await world.SendPatchAsync(new { quantity = 8 });

        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.Contains("no longer sold", problem.Errors["quantity"][0], StringComparison.Ordinal);
        Assert.Empty(world.Pc.PatchBodies);
    }

    [Fact]
    public async Task A_slow_change_answered_202_is_followed_to_the_end()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.Options.SlowSubscriptionChanges = true;

        await world.PatchAsync(new { quantity = 7 });

        var synced = await world.SyncedAsync();
        Assert.Equal(PartnerCenterSyncOutcome.Applied, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(7, synced.Quantity);
        Assert.NotEmpty(world.Pc.RequestsTo("GET", $"/v1/customers/{world.PcCustomerId}/subscriptions/{world.PcSubscriptionId}"));
    }

    [Fact]
    public async Task A_decrease_outside_the_new_commerce_window_is_refused_before_any_patch_with_the_window_in_the_message()
    {
        // Bought ten days ago: the 7-day window closed three days ago.
        await using var world = await PartnerCenterSubscription.StartAsync(boughtAgo: TimeSpan.FromDays(10));

        using var response = await world.SendPatchAsync(new { quantity = 3 });

        var problem = await ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(PartnerCenterProblems.QuantityDecreaseNotAllowed, problem.Type);
        var message = problem.Errors["quantity"][0];
        Assert.Contains("7 days", message, StringComparison.Ordinal);
        Assert.Contains("window closed", message, StringComparison.Ordinal);
        Assert.Empty(world.Pc.PatchBodies);
        Assert.Null((await world.RowAsync()).PendingChange);
    }

    [Fact]
    public async Task Partner_Centers_800090_becomes_the_same_refusal_on_the_row()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.ArmFault(new FaultSpec($"/v1/customers/{world.PcCustomerId}/subscriptions/{world.PcSubscriptionId}", FaultKind.Error, "PATCH", Status: 400, Code: 800090, Description: "Subscription quantity cannot be decreased."));

        await world.PatchAsync(new { quantity = 4 });

        var synced = await world.SyncedAsync();
        Assert.Equal(PartnerCenterSyncOutcome.Refused, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(PartnerCenterProblems.QuantityDecreaseNotAllowed, synced.PartnerCenterSync.Refusal!.Type);
        Assert.Equal("quantity", synced.PartnerCenterSync.Refusal.Field);
        Assert.Equal(422, synced.PartnerCenterSync.Refusal.Status);
        Assert.Equal(5, synced.Quantity);
    }

    [Fact]
    public async Task The_partner_of_record_is_set_in_the_subscriptions_partnerId()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        var other = await world.ResellerAsync("Fabrikam Partners");

        await world.PatchAsync(new { partnerOfRecordResellerId = other.Id });

        var synced = await world.SyncedAsync();
        Assert.Equal(PartnerCenterSyncOutcome.Applied, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(other.Id, synced.PartnerOfRecordResellerId);
        Assert.Equal(other.MpnId, synced.PartnerIdOnRecord);
        Assert.Equal(other.MpnId, (await world.PcSubscriptionAsync()).PartnerId);
        Assert.False(Assert.Single(world.Pc.PatchBodies).AutoRenewTurnedOff);
    }

    [Fact]
    public async Task Partner_Centers_2072_refuses_the_partner_of_record_clearly()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        var other = await world.ResellerAsync("Fabrikam Partners");
        world.Pc.ArmFault(new FaultSpec($"/v1/customers/{world.PcCustomerId}/subscriptions/{world.PcSubscriptionId}", FaultKind.Error, "PATCH", Status: 404, Code: 2072, Description: "PartnerID of Indirect Provider isn't valid as Partner On Record"));

        await world.PatchAsync(new { partnerOfRecordResellerId = other.Id });

        var synced = await world.SyncedAsync();
        var refusal = synced.PartnerCenterSync!.Refusal!;
        Assert.Equal(PartnerCenterProblems.PartnerOfRecordRefused, refusal.Type);
        Assert.Equal("partnerOfRecordResellerId", refusal.Field);
        Assert.Equal("2072", refusal.PartnerCenterCode);
        Assert.Contains("never the provider's", refusal.Detail, StringComparison.Ordinal);
        Assert.Equal(world.Reseller.Id, synced.PartnerOfRecordResellerId);
    }

    [Fact]
    public async Task The_support_contact_is_put_with_the_partnered_resellers_tenant_and_PartnerID()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.Options.RefuseSupportContactForNce = false;

        await world.PatchAsync(new { supportContactResellerId = world.Reseller.Id });

        var synced = await world.SyncedAsync();
        Assert.Equal(PartnerCenterSyncOutcome.Applied, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(world.Reseller.MpnId, synced.PartnerCenterSync.SupportMpnId);
        Assert.Equal(world.Reseller.Id, synced.SupportContact!.ResellerId);
        var put = Assert.Single(world.Pc.RequestsTo("PUT", $"/v1/customers/{world.PcCustomerId}/subscriptions/{world.PcSubscriptionId}/supportcontact"));
        Assert.Equal(200, put.Status);
    }

    [Fact]
    public async Task A_support_contact_Partner_Center_refuses_for_new_commerce_is_a_clear_422_on_the_row()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.Options.RefuseSupportContactForNce = true;

        await world.PatchAsync(new { supportContactResellerId = world.Reseller.Id });

        var synced = await world.SyncedAsync();
        var refusal = synced.PartnerCenterSync!.Refusal!;
        Assert.Equal(PartnerCenterSyncOutcome.Refused, synced.PartnerCenterSync.Outcome);
        Assert.Equal(422, refusal.Status);
        Assert.Equal(PartnerCenterProblems.SupportContactRefused, refusal.Type);
        Assert.Equal("supportContactResellerId", refusal.Field);
        Assert.Contains("New Commerce", refusal.Detail, StringComparison.Ordinal);
        Assert.Null(synced.SupportContact);
    }

    [Fact]
    public async Task A_500_then_success_applies_the_change_once()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.ArmFault(new FaultSpec($"/v1/customers/{world.PcCustomerId}/subscriptions/{world.PcSubscriptionId}", FaultKind.ServerError, "PATCH", Count: 1));

        await world.PatchAsync(new { quantity = 9 });

        var synced = await world.SyncedAsync();
        Assert.Equal(PartnerCenterSyncOutcome.Applied, synced.PartnerCenterSync!.Outcome);
        Assert.Equal(9, synced.Quantity);
        Assert.Equal(9, (await world.PcSubscriptionAsync()).Quantity);
        Assert.Single(world.Pc.PatchBodies);
        Assert.Single(await world.AuditActionsAsync(), a => a == "partner-center-applied");
    }

    [Fact]
    public async Task With_Partner_Center_disabled_a_row_carrying_its_id_changes_as_before()
    {
        await using var app = await TestApp.StartAsync();
        using var provider = app.ClientAs();
        var offer = app.Services.GetRequiredService<OfferCatalog>().Find("exchange-online-p1")!;
        var customerId = SubscriptionStore.NewId();
        await app.Services.GetRequiredService<CustomerStore>().CreateAsync(
            new Customer { Id = customerId, CompanyName = "Wingtip Toys", DomainPrefix = NewDomainPrefix(), PartnerCenterId = Guid.NewGuid().ToString(), OrderId = "o", CreatedAt = DateTimeOffset.UtcNow }, null, "test", CancellationToken.None);
        var row = await app.Services.GetRequiredService<SubscriptionStore>().CreateAsync(
            Subscription.Purchase(SubscriptionStore.NewId(), customerId, offer, 5, "P1Y", "monthly", null, null, DateTimeOffset.UtcNow) with { PartnerCenterSubscriptionId = Guid.NewGuid().ToString() }, null, "test", CancellationToken.None);

        using var response = await SendAsync(provider, HttpMethod.Patch, $"/api/customers/{customerId}/subscriptions/{row.Id}", new { quantity = 7 }, ifMatch: row.ETag);

        var changed = await ExpectAsync<Subscription>(response, HttpStatusCode.OK);
        Assert.Equal(7, changed.Quantity);
    }

    [Fact]
    public async Task A_second_change_while_one_is_pending_is_refused()
    {
        await using var world = await PartnerCenterSubscription.StartAsync();
        world.Pc.Options.Latency = TimeSpan.FromSeconds(2);

        var (_, row) = await world.PatchAsync(new { quantity = 6 });
        using var again = await SendAsync(world.Provider, HttpMethod.Patch, world.ItemPath, new { quantity = 7 }, ifMatch: "*");

        await ExpectAsync(again, HttpStatusCode.Conflict);
        Assert.NotNull(row.PendingChange);
        world.Pc.Options.Latency = TimeSpan.Zero;
        Assert.Equal(6, (await world.SyncedAsync()).Quantity);
    }
}

/// <summary>A subscription bought through the local Partner Center, and the Tier2 rows (customer, subscription) that carry its ids.</summary>
internal sealed class PartnerCenterSubscription : IAsyncDisposable
{
    private PartnerCenterSubscription(LocalPc pc, TestApp app) => (Pc, App) = (pc, app);

    public LocalPc Pc { get; }

    public TestApp App { get; }

    public HttpClient Provider { get; private set; } = null!;

    public Reseller Reseller { get; private set; } = null!;

    public string CustomerId { get; private set; } = null!;

    public string SubscriptionId { get; private set; } = null!;

    public string PcCustomerId { get; private set; } = null!;

    public string PcSubscriptionId { get; private set; } = null!;

    public string ItemPath => $"/api/customers/{CustomerId}/subscriptions/{SubscriptionId}";

    /// <param name="boughtAgo">How long ago Partner Center's clock says the subscription was bought.</param>
    public static async Task<PartnerCenterSubscription> StartAsync(TimeSpan? boughtAgo = null)
    {
        var clock = new ShiftedClock { Offset = -(boughtAgo ?? TimeSpan.Zero) };
        var pc = await LocalPc.StartAsync(new LocalPartnerCenterOptions { TimeProvider = clock, ProvisioningDelay = TimeSpan.Zero });
        // A shared, busy machine: a generous attempt timeout, so a slow answer is not retried into a give-up.
        var app = await PartnerCenterTestKit.StartAsync(pc, s => s["PartnerCenter:AttemptTimeout"] = "00:00:30");
        await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        var world = new PartnerCenterSubscription(pc, app) { Provider = app.ClientAs() };
        world.Reseller = await world.ResellerAsync("Contoso Partners");
        await world.BuyAsync();
        clock.Offset = TimeSpan.Zero;
        return world;
    }

    /// <summary>A reseller partnered on both sides: seeded in Partner Center, Active in Tier2 with the same tenant and PartnerID.</summary>
    public async Task<Reseller> ResellerAsync(string name)
    {
        var mpnId = NewMpn();
        var tenantId = Guid.Parse(Pc.SeedReseller(new SeededReseller(Guid.NewGuid().ToString(), mpnId, name)));
        var store = App.Services.GetRequiredService<ResellerStore>();
        var reseller = NewReseller(name, mpnId) with { TenantId = tenantId };
        Assert.True((await store.CreateAsync(reseller, "test", CancellationToken.None)).Created);
        Assert.Equal(ChangeOutcome.Changed, (await store.ChangeStatusAsync(reseller.Id, ResellerStatus.PendingActivation, ResellerStatus.Active, "test", null, CancellationToken.None)).Outcome);
        return (await store.GetAsync(reseller.Id, CancellationToken.None))!;
    }

    private async Task BuyAsync()
    {
        var client = App.Services.GetRequiredService<PartnerCenterClient>();
        (PcCustomerId, var orderId, PcSubscriptionId) = await PartnerCenterTestKit.BuyAsync(client, Reseller.TenantId.ToString(), Reseller.MpnId, quantity: 5);

        var now = DateTimeOffset.UtcNow;
        CustomerId = SubscriptionStore.NewId();
        await App.Services.GetRequiredService<CustomerStore>().CreateAsync(
            new Customer { Id = CustomerId, CompanyName = "Wingtip Toys", DomainPrefix = NewDomainPrefix(), AssociatedPartnerId = Reseller.Id, PartnerCenterId = PcCustomerId, OrderId = "pc-" + orderId, CreatedAt = now },
            Reseller,
            "test",
            CancellationToken.None);
        var offer = App.Services.GetRequiredService<OfferCatalog>().Find("exchange-online-p1")!;
        var row = Subscription.Purchase(SubscriptionStore.NewId(), CustomerId, offer, 5, "P1Y", "monthly", Reseller, null, now)
            with { PartnerCenterSubscriptionId = PcSubscriptionId, PartnerCenterOrderId = orderId };
        SubscriptionId = (await App.Services.GetRequiredService<SubscriptionStore>().CreateAsync(row, null, "test", CancellationToken.None)).Id;
    }

    public async Task<HttpResponseMessage> SendPatchAsync(object body) =>
        await SendAsync(Provider, HttpMethod.Patch, ItemPath, body, ifMatch: (await RowAsync()).ETag);

    /// <summary>PATCHes through the API; the answer (202 while the change is on its way, 200 when nothing goes to Partner Center) and its body.</summary>
    public async Task<(HttpStatusCode Status, Subscription Row)> PatchAsync(object body)
    {
        using var response = await SendPatchAsync(body);
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            Assert.Equal(ItemPath, response.Headers.Location!.OriginalString);
        }

        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<Subscription>(PartnerCenterContractTests.Json))!);
    }

    public async Task<Subscription> RowAsync() =>
        (await App.Services.GetRequiredService<SubscriptionStore>().GetAsync(CustomerId, SubscriptionId, CancellationToken.None))!;

    /// <summary>The subscription, read through the API (the status resource the 202 named), once its change is no longer pending.</summary>
    public Task<Subscription> SyncedAsync() =>
        Eventually.UntilAsync(
            async () => (await Provider.GetFromJsonAsync<Subscription>(ItemPath, PartnerCenterContractTests.Json))!,
            s => s.PendingChange is null && s.PartnerCenterSync is not null,
            TimeSpan.FromSeconds(60),
            "Partner Center's answer recorded on the subscription");

    public Task<Functions.PartnerCenter.Subscription> PcSubscriptionAsync() =>
        App.Services.GetRequiredService<PartnerCenterClient>().Subscriptions.GetAsync(PcCustomerId, PcSubscriptionId);

    public async Task<List<string>> AuditActionsAsync()
    {
        var table = App.Services.GetRequiredService<CustomerStore>().Table;
        var page = await AuditLog.ReadAsync(table, CustomerId, "subscription", SubscriptionId, 100, null, CancellationToken.None);
        return [.. page.Items.Select(e => e.GetString("Action"))];
    }

    public async ValueTask DisposeAsync()
    {
        Provider.Dispose();
        await App.DisposeAsync();
        await Pc.DisposeAsync();
    }

    /// <summary>Partner Center's clock, moved back to buy in the past.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
