using Microsoft.AspNetCore.Mvc;
using Tier2.Functions.Invites;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.Invites;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.Resellers;

/// <summary>
/// Resellers linked to Partner Center: the invite's activation asks the local Partner Center, the sync job follows its
/// list of indirect resellers. Each test runs its own app (own tables) against its own local Partner Center.
/// </summary>
public sealed class PartnerCenterResellerTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private LocalPc _pc = null!;
    private TestApp _app = null!;
    private HttpClient _provider = null!;

    public async Task InitializeAsync()
    {
        _pc = await LocalPc.StartAsync();
        _app = await PartnerCenterTestKit.StartAsync(_pc);
        await PartnerCenterTestKit.ConnectAsync(_app.Services, _pc);
        _provider = _app.ClientAs();
    }

    public async Task DisposeAsync()
    {
        _provider.Dispose();
        await _app.DisposeAsync();
        await _pc.DisposeAsync();
    }

    [Fact]
    public async Task Accepting_while_partner_center_lists_the_reseller_with_its_agreement_signed_links_it_and_makes_it_active()
    {
        var mpn = CustomerTestKit.NewMpn();
        var tenant = _pc.SeedReseller(new SeededReseller(null, mpn, "Fabrikam Resellers", MpaSigned: true));

        var (reseller, html) = await AcceptAsync(mpn, NewContact());

        Assert.Contains("looks for Fabrikam Resellers", html, StringComparison.Ordinal);
        Assert.Equal(ResellerStatus.Active, reseller.Status);
        Assert.NotNull(reseller.LinkedAt);
        Assert.Equal(PartnerAgreementStatus.Accepted, reseller.AgreementStatus);
        Assert.False(reseller.ImportedFromPartnerCenter);

        // The tenant is Partner Center's, not the one typed on the invite page.
        Assert.Equal(Guid.Parse(tenant), reseller.TenantId);
        Assert.NotEmpty(_pc.RequestsTo("GET", "/v1/relationships"));
    }

    [Fact]
    public async Task Accepting_before_partner_center_lists_the_reseller_leaves_it_waiting_emails_what_to_do_and_refuses_orders()
    {
        var mpn = CustomerTestKit.NewMpn();
        var contact = NewContact();

        var (reseller, _) = await AcceptAsync(mpn, contact);

        Assert.Equal(ResellerStatus.AwaitingPartnerCenter, reseller.Status);
        Assert.Equal(Reseller.NotListedReason, reseller.AwaitingReason);
        Assert.Null(reseller.LinkedAt);
        var email = await Maildev.WaitForMessageAsync(contact);
        Assert.StartsWith("One more step in Partner Center", email.Subject, StringComparison.Ordinal);
        Assert.Contains("accept the provider's indirect reseller request", email.Text, StringComparison.Ordinal);

        using var order = await CustomerTestKit.SendAsync(_provider, HttpMethod.Post, "/api/orders", CustomerTestKit.OrderBody(reseller.Id, CustomerTestKit.NewDomainPrefix(), "Waiting Co", ("o365-e3", 5, "P1M", "monthly")));
        var problem = await CustomerTestKit.ExpectAsync<ProblemDetails>(order, HttpStatusCode.Conflict);
        Assert.Equal(ResellerProblems.AwaitingPartnerCenter, problem.Type);
        Assert.Equal(reseller.Id, problem.Extension<string>("resellerId"));
        Assert.Contains("waiting for Partner Center", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sync_links_a_waiting_reseller_once_partner_center_lists_it_and_a_second_run_changes_nothing()
    {
        var mpn = CustomerTestKit.NewMpn();
        var contact = NewContact();
        var (waiting, _) = await AcceptAsync(mpn, contact);
        Assert.Equal(ResellerStatus.AwaitingPartnerCenter, waiting.Status);

        var unsigned = _pc.SeedReseller(new SeededReseller(null, mpn, "Fabrikam Resellers", MpaSigned: false));
        await SyncAsync();
        var stillWaiting = await GetResellerAsync(waiting.Id);
        Assert.Equal(ResellerStatus.AwaitingPartnerCenter, stillWaiting.Status);
        Assert.Equal(Reseller.AgreementNotSignedReason, stillWaiting.AwaitingReason);
        Assert.Equal(PartnerAgreementStatus.NotAccepted, stillWaiting.AgreementStatus);

        _pc.SeedReseller(new SeededReseller(unsigned, mpn, "Fabrikam Resellers", MpaSigned: true));
        var run = await SyncAsync();

        var linked = await GetResellerAsync(waiting.Id);
        Assert.Equal(ResellerStatus.Active, linked.Status);
        Assert.Equal(Guid.Parse(unsigned), linked.TenantId);
        Assert.NotNull(linked.LinkedAt);
        Assert.Null(linked.AwaitingReason);
        Assert.Contains(run.Details, d => d.StartsWith("linked ", StringComparison.Ordinal) && d.Contains(mpn, StringComparison.Ordinal));
        await Maildev.WaitForMessageAsync(contact, m => m.Subject.StartsWith("Welcome", StringComparison.Ordinal));

        var again = await SyncAsync();
        Assert.Equal(0, again.Changed);
    }

    [Fact]
    public async Task The_sync_imports_a_reseller_that_exists_only_in_partner_center_once()
    {
        var mpn = CustomerTestKit.NewMpn();
        var tenant = _pc.SeedReseller(new SeededReseller(null, mpn, "Contoso Partners", MpaSigned: true));

        var first = await SyncAsync();
        var second = await SyncAsync();

        var imported = await FindByMpnAsync(mpn);
        Assert.True(imported.ImportedFromPartnerCenter);
        Assert.Equal(ResellerStatus.Active, imported.Status);
        Assert.Equal("Contoso Partners", imported.CompanyName);
        Assert.Equal(Guid.Parse(tenant), imported.TenantId);
        Assert.Null(imported.InviteId);
        Assert.NotNull(imported.LinkedAt);
        Assert.Contains(first.Details, d => d.StartsWith("imported Contoso Partners", StringComparison.Ordinal));
        Assert.Equal(0, second.Changed);
    }

    [Fact]
    public async Task The_sync_suspends_a_linked_reseller_whose_partnership_was_removed_in_partner_center_with_the_reason()
    {
        var mpn = CustomerTestKit.NewMpn();
        var tenant = _pc.SeedReseller(new SeededReseller(null, mpn, "Northwind Resale", MpaSigned: true));
        await SyncAsync();
        Assert.Equal(ResellerStatus.Active, (await FindByMpnAsync(mpn)).Status);

        Assert.True(_pc.RemoveReseller(tenant));
        var run = await SyncAsync();

        var suspended = await FindByMpnAsync(mpn);
        Assert.Equal(ResellerStatus.Suspended, suspended.Status);
        Assert.StartsWith("The partnership was removed in Partner Center on ", suspended.SuspensionReason, StringComparison.Ordinal);
        Assert.Contains(_pc.Options.IntegrationUserUpn, suspended.SuspensionReason, StringComparison.Ordinal);
        Assert.Contains(run.Details, d => d.StartsWith("suspended Northwind Resale", StringComparison.Ordinal));
        Assert.Equal(0, (await SyncAsync()).Changed);
    }

    private static string NewContact() => $"contact-{Guid.NewGuid():N}@reseller.example";

    /// <summary>Invites (draft), accepts on the invite page, and waits for the invite's orchestration to settle.</summary>
    private async Task<(Reseller Reseller, string Html)> AcceptAsync(string mpn, string contact)
    {
        using var created = await CustomerTestKit.SendAsync(_provider, HttpMethod.Post, "/api/resellers/invites", new { email = $"invite-{Guid.NewGuid():N}@reseller.example", companyName = "Fabrikam Resellers", delivery = "draft" });
        var invite = await CustomerTestKit.ExpectAsync<InviteView>(created, HttpStatusCode.Accepted);
        using var page = new InvitePageClient(_app.Address);
        var (response, html) = await page.SubmitAsync(invite.Draft!.Link, "accept", InvitePageClient.ValidAcceptance(mpn, contact));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var settled = await Eventually.UntilAsync(
            () => _provider.GetAsync<InviteView>($"/api/resellers/invites/{invite.Id}"),
            i => i.OrchestrationStatus == "Completed",
            what: "the invite orchestration");
        return (await GetResellerAsync(settled.ResellerId!), html);
    }

    private async Task<Reseller> GetResellerAsync(string id) =>
        (await _provider.GetFromJsonAsync<Reseller>(new Uri($"/api/resellers/{id}", UriKind.Relative), Json))!;

    private async Task<Reseller> FindByMpnAsync(string mpn)
    {
        var page = await _provider.GetFromJsonAsync<Tier2.Functions.Storage.Page<Reseller>>(new Uri($"/api/resellers?search={mpn}", UriKind.Relative), Json);
        return Assert.Single(page!.Items);
    }

    private async Task<ReconciliationRun> SyncAsync()
    {
        using var response = await _provider.PostAsync(new Uri($"/api/reconciliation/jobs/{nameof(ReconciliationTimers.SyncPartnerCenterResellers)}/run", UriKind.Relative), null);
        var run = (await response.Content.ReadFromJsonAsync<ReconciliationRun>(Json))!;
        Assert.True(run.Status == RunStatus.Succeeded, $"the sync run {run.Status}: {run.Error}");
        return run;
    }
}
