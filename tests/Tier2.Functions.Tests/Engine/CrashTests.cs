using System.Diagnostics;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Invites;
using Tier2.Functions.Orders;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tier2.Functions.Tests.Engine.EngineFlows;

namespace Tier2.Functions.Tests.Engine;

/// <summary>
/// kill -9 of the standalone host (a child process) in the middle of Tier2's work, then a restart on the same storage
/// and task hub: every instance finishes, nothing is created or emailed twice. The in-flight messages of the killed
/// process wait out the queues' visibility timeout (30 s here, host.json's 5 minutes in production) and its
/// partition leases expire (DTFx's 30 s) before the new process picks the work up.
/// </summary>
[Collection(EngineCollections.Crashes)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AfterRestart = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Orders_killed_mid_provisioning_all_complete_after_a_restart_with_one_customer_each_and_one_subscription_per_line()
    {
        var prefix = EngineBuild.NewPrefix();
        await using var host = await HostProcess.StartAsync(EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(prefix)));
        var resellerId = await EngineBuild.CreateResellerAsync(prefix, "Crash Resale");

        var orders = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => CreateAndSubmitOrderAsync(host.Provider, resellerId, $"Crash Co {i}", FourLines)));

        // Kill while at least one order is being provisioned (its customer or subscriptions half made).
        var seen = new Dictionary<string, OrderStatus>();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            foreach (var id in orders)
            {
                seen[id] = (await GetOrderAsync(host.Provider, id)).Status;
            }

            if (seen.Values.Any(s => s == OrderStatus.Provisioning) || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }

            await Task.Delay(25);
        }

        host.KillHard();
        var atKill = string.Join(", ", seen.Select(s => $"{s.Key}={s.Value}"));
        output.WriteLine($"killed after {watch.Elapsed.TotalSeconds:F1}s with orders {atKill}");
        Assert.True(seen.Values.Any(s => s == OrderStatus.Provisioning), $"No order was Provisioning when the host was killed: {atKill}");

        var restarted = Stopwatch.StartNew();
        await host.StartAgainAsync();
        var done = new List<OrderView>();
        foreach (var id in orders)
        {
            done.Add(await WaitForOrderSettledAsync(host.Provider, id, AfterRestart, () => host.Tail()));
        }

        output.WriteLine($"all orders settled {restarted.Elapsed.TotalSeconds:F1}s after the restart");
        Assert.True(done.All(o => o.Status == OrderStatus.Completed), "Not every order completed: " + string.Join("\n", done) + "\n" + host.Tail());

        // One customer per order, and one subscription per line, counted through the API.
        var customers = await ListAllAsync<CustomerSummary>(host.Provider, $"/api/customers?resellerId={resellerId}");
        var customerIds = customers.Select(c => c.Id).ToList();
        var expected = done.Select(o => o.CustomerId!).OrderBy(x => x, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(customerIds.OrderBy(x => x, StringComparer.Ordinal)),
            $"Customers of the reseller: {string.Join(", ", customerIds)}; the orders' customers: {string.Join(", ", expected)} (orders at kill: {atKill})");
        var problems = new List<string>();
        foreach (var customerId in customerIds)
        {
            var subscriptions = await ListAllAsync<Subscription>(host.Provider, $"/api/customers/{customerId}/subscriptions");
            var offers = subscriptions.Select(s => s.OfferId).OrderBy(x => x, StringComparer.Ordinal).ToList();
            if (!offers.SequenceEqual(FourLines.Select(l => l.OfferId).OrderBy(x => x, StringComparer.Ordinal)))
            {
                problems.Add($"customer {customerId}: {string.Join(", ", offers)}");
            }
        }

        Assert.True(problems.Count == 0, $"Subscriptions other than one per line (orders at kill: {atKill}): {string.Join("; ", problems)}");
    }

    [Fact]
    public async Task Orders_killed_mid_onboarding_in_partner_center_leave_exactly_one_customer_and_one_order_each_there()
    {
        // The local Partner Center runs in this process, answering slowly enough that the kill lands between calls.
        await using var pc = await LocalPartnerCenter.LocalPartnerCenter.StartAsync(new LocalPartnerCenter.LocalPartnerCenterOptions
        {
            Latency = TimeSpan.FromMilliseconds(150),
            ProvisioningDelay = TimeSpan.FromSeconds(3),
        });
        var prefix = EngineBuild.NewPrefix();
        var settings = EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(prefix));
        PartnerCenter.PartnerCenterTestKit.PointAt(settings, pc);
        await using var host = await HostProcess.StartAsync(settings);
        await ConnectThroughTheFlowAsync(host);
        var resellerId = await EngineBuild.CreateResellerAsync(prefix, "Crash PC Resale");
        var reseller = (await new Functions.Resellers.ResellerStore(new Azure.Data.Tables.TableServiceClient(TestApp.StorageConnectionString), new Functions.Storage.StorageNames(prefix), TimeProvider.System)
            .GetAsync(resellerId, CancellationToken.None))!;
        pc.SeedReseller(new LocalPartnerCenter.SeededReseller(reseller.TenantId.ToString(), reseller.MpnId, reseller.CompanyName));
        (string, int, string, string)[] lines = [("m365-business-premium", 3, "P1Y", "monthly"), ("exchange-online-p1", 2, "P1M", "monthly")];

        var orders = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => CreateAndSubmitOrderAsync(host.Provider, resellerId, $"Crash PC {i}", lines)));

        // Kill once Partner Center has made a customer and before every order was checked out.
        var watch = Stopwatch.StartNew();
        while (pc.Counts().Customers == 0 && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(20);
        }

        host.KillHard();
        var atKill = pc.Counts();
        output.WriteLine($"killed after {watch.Elapsed.TotalSeconds:F1}s with {atKill.Customers} customers, {atKill.Orders} orders in Partner Center");
        Assert.True(atKill.Customers > 0, "Partner Center had no customer when the host was killed");
        Assert.True(atKill.Orders < orders.Length, "every order was placed before the kill");

        await host.StartAgainAsync();
        var done = new List<OrderView>();
        foreach (var id in orders)
        {
            done.Add(await WaitForOrderSettledAsync(host.Provider, id, AfterRestart, () => host.Tail()));
        }

        Assert.True(done.All(o => o.Status == OrderStatus.Completed), "Not every order completed: " + string.Join("\n", done) + "\n" + host.Tail());
        var customers = pc.Customers();
        Assert.Equal(orders.Length, customers.Count);
        foreach (var order in done)
        {
            var customerId = order.PartnerCenter!.CustomerId!;
            Assert.Single(customers, c => c.Id == customerId);
            Assert.Single(pc.OrdersOf(customerId));
        }
    }

    [Fact]
    public async Task A_customer_import_killed_mid_run_completes_after_a_restart_with_one_row_per_partner_center_customer()
    {
        // Two customers a page and a slow Partner Center: the kill lands after some customers were made and before the last page.
        await using var pc = await LocalPartnerCenter.LocalPartnerCenter.StartAsync(new LocalPartnerCenter.LocalPartnerCenterOptions
        {
            Latency = TimeSpan.FromMilliseconds(300),
            MaxCustomerPageSize = 2,
        });
        var prefix = EngineBuild.NewPrefix();
        var settings = EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(prefix));
        PartnerCenter.PartnerCenterTestKit.PointAt(settings, pc);
        await using var host = await HostProcess.StartAsync(settings);
        await ConnectThroughTheFlowAsync(host);
        var mpn = Customers.CustomerTestKit.NewMpn();
        var tenant = Guid.Parse(pc.SeedReseller(new LocalPartnerCenter.SeededReseller(null, mpn, "Crash Import Resale", MpaSigned: true)));
        var resellers = new Functions.Resellers.ResellerStore(new Azure.Data.Tables.TableServiceClient(TestApp.StorageConnectionString), new Functions.Storage.StorageNames(prefix), TimeProvider.System);
        var reseller = (await resellers.CreateAsync(Functions.Resellers.Reseller.Imported(new Functions.Resellers.PartnerCenterStanding(tenant, mpn, "Crash Import Resale", Functions.Resellers.PartnerAgreementStatus.Accepted), DateTimeOffset.UtcNow), "test", CancellationToken.None)).Reseller!;
        var seeded = Enumerable.Range(0, 12)
            .Select(i => pc.SeedCustomer(new LocalPartnerCenter.SeededCustomer(tenant.ToString(), $"Crash Customer {i}", Customers.CustomerTestKit.NewDomainPrefix("crash") + ".onmicrosoft.com")))
            .Order(StringComparer.Ordinal).ToList();

        using var started = await host.Provider.PostAsync(new Uri($"/api/resellers/{reseller.Id}/customers/import", UriKind.Relative), null);
        var import = await Customers.CustomerTestKit.ExpectAsync<Functions.CustomerImports.CustomerImport>(started, HttpStatusCode.Accepted);
        var watch = Stopwatch.StartNew();
        while (pc.RequestsTo("GET", "/v1/customers").Count < 3 && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(20);
        }

        host.KillHard();
        var pagesAtKill = pc.RequestsTo("GET", "/v1/customers").Count;
        output.WriteLine($"killed after {watch.Elapsed.TotalSeconds:F1}s with {pagesAtKill} pages read");
        Assert.True(pagesAtKill is >= 3 and < 6, $"the kill was to land mid-import, after {pagesAtKill} of 6 pages");

        await host.StartAgainAsync();
        var done = await Eventually.UntilAsync(
            async () =>
            {
                using var response = await host.Provider.GetAsync(new Uri($"/api/resellers/{reseller.Id}/customers/import", UriKind.Relative));
                return await response.ReadAsync<Functions.CustomerImports.CustomerImport>();
            },
            i => i.Status != Functions.CustomerImports.CustomerImportStatus.Running,
            AfterRestart,
            "the import to end after the restart");

        Assert.True(done.Status == Functions.CustomerImports.CustomerImportStatus.Completed, $"{done.Status}: {done.Error}\n{host.Tail()}");
        Assert.Equal(import.ImportId, done.ImportId);
        Assert.Equal(new Functions.CustomerImports.CustomerImportCounts(12, 0, 12, 0, 0), done.Counts);
        var listed = await host.Provider.GetAsync<Storage.Page<CustomerSummary>>($"/api/customers?resellerId={reseller.Id}&pageSize=50");
        Assert.Equal(seeded, listed.Items.Select(c => c.Id).Order(StringComparer.Ordinal));
    }

    /// <summary>Connects the host's Partner Center account as a provider admin does: connect, sign in at the authorize endpoint, the callback.</summary>
    private static async Task ConnectThroughTheFlowAsync(HostProcess host)
    {
        using var start = new HttpRequestMessage(HttpMethod.Get, "/api/partner-center/connect");
        start.Headers.Accept.ParseAdd("application/json");
        using var started = await host.Provider.SendAsync(start);
        var authorize = (await Customers.CustomerTestKit.ExpectAsync<Tier2.Functions.PartnerCenter.PartnerCenterConnectStart>(started, HttpStatusCode.OK)).AuthorizeUrl.ToString();
        using var signIn = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var redirected = await signIn.GetAsync(new Uri(authorize));
        // The callback is the app's public URL (not this host's address in tests): call it on the host with the same query.
        var callback = new Uri(host.Address, "/api/partner-center/connect/callback" + redirected.Headers.Location!.Query);
        using var connected = await signIn.GetAsync(callback);
        Assert.True(connected.IsSuccessStatusCode, $"the callback answered {(int)connected.StatusCode}: {await connected.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Invites_killed_while_their_emails_go_out_each_send_one_invitation_after_a_restart_and_a_retry_with_the_same_key()
    {
        var prefix = EngineBuild.NewPrefix();
        await using var host = await HostProcess.StartAsync(EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(prefix)));
        var emails = Enumerable.Range(1, 12).Select(i => NewEmail($"crash{i}")).ToList();
        var keys = emails.ToDictionary(e => e, _ => Guid.NewGuid().ToString("N"));

        // Fire the creates a little apart; kill as soon as the first invitation email is out (some sent, some being
        // sent, some only scheduled, and, when the creates are slow, some still in flight).
        var answered = 0;
        async Task<(HttpStatusCode Status, string? Id, string Body)> Create(string email, int i)
        {
            await Task.Delay(i * 150);
            try
            {
                var result = await CreateInviteAsync(host.Provider, email, idempotencyKey: keys[email]);
                Interlocked.Increment(ref answered);
                return result;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return (HttpStatusCode.ServiceUnavailable, null, e.Message);
            }
        }

        var creates = emails.Select(Create).ToList();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && (await EmailCountsAsync(emails)).Values.Sum() == 0)
        {
            await Task.Delay(50);
        }

        host.KillHard();
        var first = await Task.WhenAll(creates);
        // What maildev holds now was taken before the kill (the host is gone); a moment lets it finish storing the last.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var outAtKill = (await EmailCountsAsync(emails)).Where(c => c.Value > 0).Select(c => c.Key).ToHashSet();
        output.WriteLine($"killed after {watch.Elapsed.TotalSeconds:F1}s: {first.Count(r => r.Status == HttpStatusCode.Accepted)} creates answered 202, {outAtKill.Count} emails out");

        // The client retries what did not answer 202, with the same key, as a client should.
        await host.StartAgainAsync();
        var ids = new Dictionary<string, string>();
        for (var i = 0; i < emails.Count; i++)
        {
            var (status, id, body) = first[i].Status == HttpStatusCode.Accepted ? first[i] : await CreateInviteAsync(host.Provider, emails[i], idempotencyKey: keys[emails[i]]);
            Assert.True(status == HttpStatusCode.Accepted, $"Create of {emails[i]} answered {(int)status}: {body}");
            ids[emails[i]] = id!;
        }

        var counts = await WaitForEmailsAsync(emails, AfterRestart, quiet: TimeSpan.FromSeconds(5), context: () => host.Tail());

        // A re-run sends nothing the ledger recorded. The one window left is inside the send itself (the SMTP server
        // took the message, the kill came before the ledger row): a copy sent again there is the SAME message (same
        // Message-Id, derived from the instance and step), which mail clients show once, and only an email that was
        // out before the kill can have one. Anything else is a bug.
        var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        output.WriteLine($"duplicates inside the send window: {Duplicates(counts)}");
        foreach (var email in duplicated)
        {
            Assert.True(outAtKill.Contains(email), $"{email} got {counts[email]} invitations though none was out at the kill: a re-run sent twice; invite-{ids[email]}");
            var messageIds = (await Maildev.MessagesToAsync(email)).Select(m => m.MessageId).Distinct().ToList();
            Assert.True(messageIds.Count == 1, $"{email} got {counts[email]} invitations with different Message-Ids ({string.Join(", ", messageIds)}): a re-run sent a new email; invite-{ids[email]}");
        }

        Assert.All(counts, c => Assert.True(c.Value <= 2, $"{c.Key} got {c.Value} invitations after one kill"));

        // Every invite was sent and waits for its reseller. The engine's status row may still say Pending: a kill
        // between the history write and the status-row write of an instance's first episode leaves the row Pending
        // until the instance's next lifecycle event (Azure/durabletask#1252, the same on Azure). So the proof that
        // every orchestration is alive is behaviour, not that row: each one answers a revoke and completes.
        var lagging = new List<string>();
        foreach (var email in emails)
        {
            var invite = await Eventually.UntilAsync(() => GetInviteAsync(host.Provider, ids[email]), i => i.SentAt is not null, TimeSpan.FromSeconds(30));
            Assert.Equal(InviteStatus.Pending, invite.Status);
            var orchestration = invite.OrchestrationStatus;
            Assert.True(orchestration is "Running" or "Pending", $"invite-{ids[email]} has orchestration {orchestration}: {invite}");
            if (orchestration == "Pending")
            {
                lagging.Add("invite-" + ids[email]);
            }
        }

        output.WriteLine($"status rows still Pending after the restart: {(lagging.Count == 0 ? "none" : string.Join(", ", lagging))}");
        foreach (var email in emails)
        {
            using var revoke = await host.Provider.PostAsync(new Uri($"/api/resellers/invites/{ids[email]}/revoke", UriKind.Relative), null);
            Assert.True(revoke.IsSuccessStatusCode, $"revoke of {ids[email]}: {(int)revoke.StatusCode} {await revoke.Content.ReadAsStringAsync()}");
        }

        foreach (var email in emails)
        {
            await Eventually.UntilAsync(() => GetInviteAsync(host.Provider, ids[email]), i => i.OrchestrationStatus == "Completed", TimeSpan.FromSeconds(60), $"invite-{ids[email]} to complete after its revoke");
        }
    }

    /// <summary>
    /// The crash window between "store the invite" and "schedule its orchestration", without a crash: the row is
    /// written exactly as the API writes it and nothing is scheduled; the client's retry with the same key starts it.
    /// (Orders: Orders/StuckOrderTests.A_repeat_submit_of_a_submitted_order_whose_orchestration_is_missing_schedules_it.)
    /// </summary>
    [Fact]
    public async Task An_invite_stored_without_its_orchestration_is_started_by_the_retry_with_the_same_idempotency_key_and_emailed_once()
    {
        await using var app = await EngineBuild.StartInProcessAsync(EngineBuild.Settings(EngineBuild.NewPrefix()));
        using var provider = EngineBuild.Client(app.Address);
        var store = app.Services.GetRequiredService<InviteStore>();
        var options = app.Services.GetRequiredService<IOptions<InviteOptions>>().Value;
        var email = NewEmail("window");
        var key = "retry-" + Guid.NewGuid().ToString("N");

        // What CreateInvite commits before it schedules (InviteEndpoints.CreateAsync), for the same request.
        var now = DateTimeOffset.UtcNow;
        var id = InviteStore.NewId(now);
        var token = InviteTokens.NewToken();
        var invite = new Invite
        {
            Id = id,
            Email = email,
            CompanyName = "Engine Co",
            Message = null,
            Delivery = InviteDelivery.Email,
            Status = InviteStatus.Pending,
            CreatedAt = now,
            CreatedBy = $"{Roles.ProviderAdmin}:developer",
            ExpiresAt = now + options.Expiry,
            RemindAt = now + options.ReminderAfter,
            LastTokenIssuedAt = now,
            ResellerId = Guid.NewGuid().ToString("N"),
            InstanceId = InviteStore.InstanceIdFor(id),
            SealedToken = app.Services.GetRequiredService<InviteTokens>().Seal(token, now + options.Expiry),
        };
        var requestHash = InviteStore.RequestHash(email.ToLowerInvariant(), "Engine Co", null, nameof(InviteDelivery.Email));
        Assert.NotNull(await store.CreateAsync(invite, InviteTokens.Hash(token), key, requestHash, CancellationToken.None));
        Assert.Equal("NotFound", (await GetInviteAsync(provider, id)).OrchestrationStatus);

        var retried = await CreateInviteAsync(provider, email, idempotencyKey: key);
        var again = await CreateInviteAsync(provider, email, idempotencyKey: key);

        Assert.Equal((HttpStatusCode.Accepted, id), (retried.Status, retried.Id));
        Assert.Equal((HttpStatusCode.Accepted, id), (again.Status, again.Id));
        var counts = await WaitForEmailsAsync([email], TimeSpan.FromSeconds(60), quiet: TimeSpan.FromSeconds(3));
        Assert.Equal(1, counts[email]);
        var view = await Infrastructure.Eventually.UntilAsync(() => GetInviteAsync(provider, id), v => v.SentAt is not null);
        Assert.Equal("Running", view.OrchestrationStatus);
    }
}
