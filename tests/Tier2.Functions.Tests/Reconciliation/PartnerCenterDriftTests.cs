using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;
using Tier2Customer = Tier2.Functions.Customers.Customer;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.Reconciliation;

/// <summary>
/// <c>ReconcileAssociations</c> with Partner Center Enabled, against the local Partner Center: changes made outside Tier2
/// are made by a person signed in to Partner Center with a token of their own, straight on its API.
/// </summary>
public sealed class PartnerCenterDriftTests
{
    private const string ResellerMpn = "7654321";
    private const string PortalUser = "megan@provider.onmicrosoft.com";

    [Fact]
    public async Task A_quantity_changed_in_partner_center_is_reported_with_both_values_and_who_changed_it_and_tier2_takes_it()
    {
        await using var s = await Scenario.StartAsync();
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        var before = await s.RunAsync();
        await s.AsPortalUserAsync(HttpMethod.Patch, $"v1/customers/{pcCustomer}/subscriptions/{pcSubscription}", subscription => subscription["quantity"] = 7);

        var run = await s.RunAsync();

        Assert.Equal((0, 0), (before.Changed, before.Reported));
        Assert.Equal(1, run.Changed);
        var finding = Assert.Single(run.Details);
        Assert.Contains("quantity Tier2 2 / Partner Center 7", finding, StringComparison.Ordinal);
        Assert.Contains($"changed in Partner Center by {PortalUser} at ", finding, StringComparison.Ordinal);
        var after = (await s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!;
        Assert.Equal(7, after.Quantity);
        var audit = await AuditLog.ReadAsync(s.App.Services.GetRequiredService<CustomerStore>().Table, tier2.CustomerId, "subscription", tier2.Id, 10, null, CancellationToken.None);
        Assert.Contains(audit.Items, a => a.GetString("Action") == PartnerCenterSubscriptionSync.Action && a.GetString("Actor") == PartnerCenterDriftCheck.Actor);
        Assert.Equal(0, (await s.RunAsync()).Changed);
    }

    [Fact]
    public async Task A_support_contact_set_in_partner_center_becomes_tier2s_when_partner_center_lets_it_be_read()
    {
        await using var s = await Scenario.StartAsync(new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero, RefuseSupportContactForNce = false });
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        await s.AsPortalUserAsync(HttpMethod.Put, $"v1/customers/{pcCustomer}/subscriptions/{pcSubscription}/supportcontact", _ => new JsonObject
        {
            ["supportTenantId"] = s.ResellerTenant,
            ["supportMpnId"] = ResellerMpn,
            ["name"] = "Fabrikam Resellers",
        });

        var run = await s.RunAsync();

        var finding = Assert.Single(run.Details);
        Assert.Contains($"supportContact Tier2 none / Partner Center {ResellerMpn}", finding, StringComparison.Ordinal);
        Assert.Contains(PortalUser, finding, StringComparison.Ordinal);
        var after = (await s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!;
        Assert.Equal((ResellerMpn, s.Reseller.Id), (after.SupportContact?.SupportMpnId, after.SupportContact?.ResellerId));
    }

    [Fact]
    public async Task A_support_contact_partner_center_refuses_to_read_is_not_reported_as_drift()
    {
        // The local server refuses support contacts on new-commerce subscriptions (FACTS 8), as the 2023 page says.
        await using var s = await Scenario.StartAsync();
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync(withSupportContact: true);

        var run = await s.RunAsync();

        Assert.Equal((0, 0), (run.Changed, run.Reported));
        Assert.NotEmpty(s.Pc.RequestsTo("GET", $"/v1/customers/{pcCustomer}/subscriptions/{pcSubscription}/supportcontact"));
        Assert.Equal(ResellerMpn, (await s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!.SupportContact?.SupportMpnId);
    }

    [Fact]
    public async Task A_tier2_change_that_never_reached_partner_center_is_driven_again_through_its_orchestration()
    {
        await using var s = await Scenario.StartAsync();
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        // Stored an hour ago; its orchestration never started (the crash between store and start).
        var asked = await s.Subscriptions.UpdateAsync(tier2.CustomerId, tier2.Id, null, "provider-admin:test", row =>
        {
            var (moved, action, _) = row.RequestPartnerCenterChange(new SubscriptionPatch(4, false, null, false, null, null), "c1", "provider-admin:test", DateTimeOffset.UtcNow.AddHours(-1));
            return (moved.Next, action);
        }, CancellationToken.None);
        Assert.Equal(ChangeOutcome.Changed, asked.Outcome);

        var run = await s.RunAsync();

        Assert.Equal(1, run.Changed);
        Assert.Contains(run.Details, d => d.Contains("change c1", StringComparison.Ordinal) && d.Contains("drives it again", StringComparison.Ordinal));
        var applied = await Eventually.UntilAsync(
            () => s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None),
            row => row is { PendingChange: null },
            TimeSpan.FromMinutes(3),
            "the change's answer on the row");
        Assert.Equal(4, applied!.Quantity);
        Assert.Equal(PartnerCenterSyncOutcome.Applied, applied.PartnerCenterSync?.Outcome);
        Assert.Equal(4, (await s.Client.Subscriptions.GetAsync(pcCustomer, pcSubscription)).Quantity);
        // Driven through Tier2's change (GET, modify, PATCH the whole resource), never a minimal PATCH.
        Assert.Contains(s.Pc.PatchBodies, p => p.SubscriptionId == pcSubscription);
        Assert.DoesNotContain(s.Pc.PatchBodies, p => p.SubscriptionId == pcSubscription && p.AutoRenewTurnedOff);
    }

    [Fact]
    public async Task A_tier2_change_that_failed_after_its_retries_is_driven_again_and_reaches_partner_center()
    {
        await using var s = await Scenario.StartAsync();
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        // Asked, then given up on (Partner Center could not be reached): the row says Failed and keeps the change.
        var failed = await s.Subscriptions.UpdateAsync(tier2.CustomerId, tier2.Id, null, "provider-admin:test", row =>
        {
            var asked = row.RequestPartnerCenterChange(new SubscriptionPatch(6, false, null, false, null, null), "c2", "provider-admin:test", DateTimeOffset.UtcNow.AddHours(-1)).Moved.Next!;
            var sync = new PartnerCenterSync("c2", PartnerCenterSyncOutcome.Failed, null, null, null, null, null, DateTimeOffset.UtcNow);
            return (asked.RecordPartnerCenterAnswer("c2", sync, false, false, false).Next, "partner-center-failed");
        }, CancellationToken.None);
        Assert.Equal(2, failed.Value!.Quantity);

        var run = await s.RunAsync();

        Assert.Equal(1, run.Changed);
        Assert.Contains(run.Details, d => d.Contains("change c2", StringComparison.Ordinal) && d.Contains("failed to reach Partner Center", StringComparison.Ordinal));
        var applied = await Eventually.UntilAsync(
            () => s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None),
            row => row is { PendingChange: null, PartnerCenterSync.Outcome: PartnerCenterSyncOutcome.Applied },
            TimeSpan.FromMinutes(3),
            "the change's answer on the row");
        Assert.Equal(6, applied!.Quantity);
        Assert.Equal(6, (await s.Client.Subscriptions.GetAsync(pcCustomer, pcSubscription)).Quantity);
        Assert.Equal(0, (await s.RunAsync()).Changed);
    }

    [Fact]
    public async Task Customers_on_one_side_only_are_reported_and_nothing_is_imported()
    {
        await using var s = await Scenario.StartAsync();
        await s.LinkedSubscriptionAsync();
        var orphan = await s.Tier2CustomerAsync(Guid.NewGuid().ToString());
        var onlyInPartnerCenter = await s.Client.Customers.CreateAsync(PartnerCenterTestKit.NewCustomer(s.ResellerTenant));
        var customersBefore = await s.CustomerRowsAsync();

        var run = await s.RunAsync();

        Assert.Equal(0, run.Changed);
        Assert.Equal(2, run.Reported);
        Assert.Contains(run.Details, d => d.Contains($"customer {orphan.Id}", StringComparison.Ordinal) && d.Contains("only Tier2 has it", StringComparison.Ordinal));
        Assert.Contains(run.Details, d => d.Contains($"Partner Center customer {onlyInPartnerCenter.Id}", StringComparison.Ordinal) && d.Contains("only Partner Center has it", StringComparison.Ordinal));
        Assert.Equal(customersBefore, await s.CustomerRowsAsync());
    }

    [Fact]
    public async Task A_refusal_about_one_subscription_is_reported_and_the_run_keeps_its_other_findings()
    {
        await using var s = await Scenario.StartAsync();
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        await s.App.Services.GetRequiredService<ResellerStore>().ChangeStatusAsync(s.Reseller.Id, ResellerStatus.Active, ResellerStatus.Suspended, "test", null, CancellationToken.None);
        s.Pc.ArmFault(new FaultSpec($"/v1/customers/{pcCustomer}/subscriptions/{pcSubscription}", FaultKind.Error, "GET", Count: 1, Status: 403, Code: 20002, Description: "The partner has no commerce relationship with the customer."));

        var run = await s.RunAsync();

        Assert.Contains(run.Details, d => d.Contains($"sub|{tier2.Id} could not be compared with Partner Center", StringComparison.Ordinal) && d.Contains("20002", StringComparison.Ordinal));
        Assert.Contains(run.Details, d => d.Contains("partner of record reseller Fabrikam Resellers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_budget_of_one_spreads_the_comparison_over_runs_and_a_full_pass_still_finds_the_drift()
    {
        await using var s = await Scenario.StartAsync(configure: settings => settings["Reconciliation:MaxItemsPerRun"] = "1");
        var (tier2, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        await s.AsPortalUserAsync(HttpMethod.Patch, $"v1/customers/{pcCustomer}/subscriptions/{pcSubscription}", subscription => subscription["quantity"] = 5);

        var runs = new List<ReconciliationRun>();
        do
        {
            runs.Add(await s.RunAsync());
        }
        while (!runs[^1].Complete && runs.Count < 10);

        Assert.True(runs[^1].Complete);
        Assert.True(runs.Count > 2, $"{runs.Count} runs");
        Assert.All(runs, r => Assert.True(r.Examined <= 1, $"examined {r.Examined}"));
        Assert.Equal(1, runs.Sum(r => r.Changed));
        Assert.Equal(5, (await s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!.Quantity);
    }

    [Fact]
    public async Task With_partner_center_disabled_the_job_asks_partner_center_nothing_and_leaves_the_rows()
    {
        await using var s = await Scenario.StartAsync(configure: settings => settings["PartnerCenter:Mode"] = "Disabled");
        var resellerTenant = s.Pc.SeedReseller(new SeededReseller(null, ResellerMpn, "Fabrikam Resellers"));
        var customer = await s.Tier2CustomerAsync(Guid.NewGuid().ToString());
        var reseller = await s.Tier2ResellerAsync(Guid.Parse(resellerTenant));
        var tier2 = await s.Tier2SubscriptionAsync(customer, Guid.NewGuid().ToString(), reseller, withSupportContact: false);
        var calls = s.Pc.Requests.Count;

        var run = await s.RunAsync();

        Assert.Equal((0, 0, 1), (run.Changed, run.Reported, run.Examined));
        Assert.Equal(calls, s.Pc.Requests.Count);
        Assert.Equal(tier2.ETag, (await s.Subscriptions.GetAsync(tier2.CustomerId, tier2.Id, CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task Audit_records_of_one_customer_name_the_user_who_changed_its_subscription()
    {
        await using var s = await Scenario.StartAsync();
        var (_, pcCustomer, pcSubscription) = await s.LinkedSubscriptionAsync();
        await s.AsPortalUserAsync(HttpMethod.Patch, $"v1/customers/{pcCustomer}/subscriptions/{pcSubscription}", subscription => subscription["quantity"] = 3);

        var records = await s.Client.AuditRecords.ListForCustomerAsync(pcCustomer, DateTimeOffset.UtcNow - PartnerCenterDriftCheck.AuditWindow).CollectAsync();

        Assert.All(records, r => Assert.Equal(pcCustomer, r.CustomerId));
        var change = SubscriptionDrift.LastChangeOf(records, pcSubscription);
        Assert.Equal(PortalUser, change?.UserPrincipalName);
        Assert.Contains("filter=", Assert.Single(s.Pc.RequestsTo("GET", "/v1/auditrecords")).Query, StringComparison.Ordinal);
    }

    private sealed class Scenario : IAsyncDisposable
    {
        private Scenario(LocalPc pc, TestApp app)
        {
            Pc = pc;
            App = app;
        }

        public LocalPc Pc { get; }

        public TestApp App { get; }

        public PartnerCenterClient Client => App.Services.GetRequiredService<PartnerCenterClient>();

        public SubscriptionStore Subscriptions => App.Services.GetRequiredService<SubscriptionStore>();

        public string ResellerTenant { get; private set; } = string.Empty;

        public Reseller Reseller { get; private set; } = null!;

        public static async Task<Scenario> StartAsync(LocalPartnerCenterOptions? options = null, Action<Dictionary<string, string?>>? configure = null)
        {
            var pc = await LocalPc.StartAsync(options ?? new LocalPartnerCenterOptions { ProvisioningDelay = TimeSpan.Zero });
            var app = await PartnerCenterTestKit.StartAsync(pc, configure);
            await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
            return new Scenario(pc, app);
        }

        /// <summary>
        /// A subscription bought in Partner Center with the reseller as partner of record, and Tier2's rows for it (customer,
        /// reseller linked to Partner Center, subscription at 2 licences): both sides agree.
        /// </summary>
        public async Task<(Tier2Subscription Tier2, string PcCustomer, string PcSubscription)> LinkedSubscriptionAsync(bool withSupportContact = false)
        {
            ResellerTenant = Pc.SeedReseller(new SeededReseller(null, ResellerMpn, "Fabrikam Resellers"));
            var (pcCustomer, _, pcSubscription) = await PartnerCenterTestKit.BuyAsync(Client, ResellerTenant, ResellerMpn, quantity: 2);
            Reseller = await Tier2ResellerAsync(Guid.Parse(ResellerTenant));
            var tier2Customer = await Tier2CustomerAsync(pcCustomer);
            return (await Tier2SubscriptionAsync(tier2Customer, pcSubscription, Reseller, withSupportContact), pcCustomer, pcSubscription);
        }

        public Task<Tier2Customer> Tier2CustomerAsync(string partnerCenterId) =>
            App.Services.GetRequiredService<CustomerStore>().CreateAsync(
                new Tier2Customer { Id = Guid.NewGuid().ToString("N"), CompanyName = "Wingtip Toys", DomainPrefix = NewDomainPrefix(), OrderId = "o-" + Guid.NewGuid().ToString("N")[..8], PartnerCenterId = partnerCenterId, CreatedAt = DateTimeOffset.UtcNow },
                null,
                "test",
                CancellationToken.None);

        /// <summary>The reseller, linked to Partner Center (its tenant is Partner Center's).</summary>
        public async Task<Reseller> Tier2ResellerAsync(Guid tenantId)
        {
            var reseller = NewReseller("Fabrikam Resellers", ResellerMpn) with { TenantId = tenantId, LinkedAt = DateTimeOffset.UtcNow, Status = ResellerStatus.Active };
            Assert.True((await App.Services.GetRequiredService<ResellerStore>().CreateAsync(reseller, "test", CancellationToken.None)).Created);
            return reseller;
        }

        public Task<Tier2Subscription> Tier2SubscriptionAsync(Tier2Customer customer, string partnerCenterSubscriptionId, Reseller reseller, bool withSupportContact)
        {
            var offer = new Offer("exchange-online-plan-1", "Exchange Online (Plan 1)", 1, 300, ["P1Y"], ["monthly"]);
            var subscription = Tier2Subscription.Purchase(SubscriptionStore.NewId(), customer.Id, offer, 2, "P1Y", "monthly", reseller, null, DateTimeOffset.UtcNow)
                with
                {
                    PartnerCenterSubscriptionId = partnerCenterSubscriptionId,
                    SupportContact = withSupportContact ? PartnerRules.ContactFor(reseller) : null,
                };
            return Subscriptions.CreateAsync(subscription, null, "test", CancellationToken.None);
        }

        /// <summary>The customer rows Tier2 holds (ids), to show nothing was imported.</summary>
        public async Task<List<string>> CustomerRowsAsync()
        {
            var ids = new List<string>();
            await foreach (var row in App.Services.GetRequiredService<CustomerStore>().Table.QueryAsync<Azure.Data.Tables.TableEntity>($"RowKey eq '{CustomerStore.CustomerRow}'"))
            {
                ids.Add(row.PartitionKey);
            }

            return [.. ids.Order(StringComparer.Ordinal)];
        }

        /// <summary>
        /// A person working in Partner Center changes a resource on its API with a token of their own: the resource is read,
        /// <paramref name="change"/> edits it (or returns the body to send), and it is sent back whole.
        /// </summary>
        public async Task AsPortalUserAsync(HttpMethod method, string path, Func<JsonObject, JsonNode?> change)
        {
            using var http = new HttpClient { BaseAddress = Pc.BaseUrl };
            using var token = await http.PostAsync(Pc.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = Pc.Options.ClientId,
                ["client_secret"] = Pc.Options.ClientSecret,
                ["resource"] = "https://api.partnercenter.microsoft.com",
                ["refresh_token"] = Pc.IssueRefreshToken(PortalUser).RefreshToken,
            }));
            token.EnsureSuccessStatusCode();
            // Raw JSON on purpose: a portal user's client reads OAuth's wire name (RFC 6749 access_token), as the real one does.
            var accessToken = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            var resource = method == HttpMethod.Patch ? JsonNode.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative)))!.AsObject() : [];
            var edited = change(resource);
            var body = method == HttpMethod.Patch ? resource : edited!.AsObject();
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Add("MS-RequestId", Guid.NewGuid().ToString());
            request.Headers.Add("MS-CorrelationId", Guid.NewGuid().ToString());
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        public async Task<ReconciliationRun> RunAsync()
        {
            using var provider = App.ClientAs();
            using var response = await provider.PostAsync(new Uri("/api/reconciliation/jobs/ReconcileAssociations/run", UriKind.Relative), null);
            var run = await ExpectAsync<ReconciliationRun>(response, HttpStatusCode.OK);
            Assert.True(run.Status == RunStatus.Succeeded, run.Error);
            return run;
        }

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Pc.DisposeAsync();
        }
    }
}
