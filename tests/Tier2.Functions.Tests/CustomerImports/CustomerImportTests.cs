using Microsoft.AspNetCore.Mvc;
using Tier2.Functions.Audit;
using Tier2.Functions.Auth;
using Tier2.Functions.CustomerImports;
using Tier2.Functions.Customers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using Customer = Tier2.Functions.Customers.Customer;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;
using RelationshipRequestShape = Tier2.Functions.PartnerCenter.RelationshipRequestShape;

namespace Tier2.Functions.Tests.CustomerImports;

/// <summary>
/// A reseller's existing Partner Center customers: the import through the API (an orchestration) against a local Partner
/// Center that holds them, and the customer relationship request link in each shape Partner Center may answer in. Each
/// test runs its own app (own tables and task hub) and its own local Partner Center.
/// </summary>
public sealed class CustomerImportTests : IAsyncLifetime
{
    private LocalPc _pc = null!;
    private TestApp _app = null!;
    private HttpClient _provider = null!;

    public async Task InitializeAsync()
    {
        // Three customers a page, so a handful of customers spans several pages.
        _pc = await LocalPc.StartAsync(new LocalPartnerCenterOptions { MaxCustomerPageSize = 3 });
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
    public async Task Importing_a_resellers_customers_reads_every_page_and_lists_them_under_the_reseller_marked_imported()
    {
        var reseller = await LinkedResellerAsync("Fabrikam Resellers");
        var seeded = SeedCustomers(reseller, 7);
        _pc.SeedCustomer(new SeededCustomer(Guid.NewGuid().ToString(), "Someone Else's", CustomerTestKit.NewDomainPrefix("x")));

        var (started, location) = await StartImportAsync(reseller.Id);
        var done = await WaitForImportAsync(location);

        Assert.Equal(CustomerImportStatus.Running, started.Status);
        Assert.Equal(CustomerImportStatus.Completed, done.Status);
        Assert.Equal(new CustomerImportCounts(7, 0, 7, 0, 0), done.Counts);
        Assert.True(_pc.RequestsTo("GET", "/v1/customers").Count >= 3, "seven customers at three a page are three pages");
        var listed = await _provider.GetAsync<Page<CustomerSummary>>($"/api/customers?resellerId={reseller.Id}&pageSize=50");
        Assert.Equal(seeded.Order(StringComparer.Ordinal), listed.Items.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.All(listed.Items, c => Assert.True(c.Imported));
        var view = await _provider.GetAsync<CustomerView>($"/api/customers/{seeded[0]}");
        Assert.True(view.Imported);
        Assert.Equal(seeded[0], view.PartnerCenterId);
        Assert.Equal(reseller.Id, view.AssociatedPartnerId);
        Assert.Null(view.OrderId);
        Assert.Equal(reseller.Id, Assert.Single(view.Resellers).ResellerId);

        // Delegated: the reseller's admins see them in their own list.
        using var resellerAdmin = _app.ClientAs(Roles.ResellerAdmin, reseller.Id);
        Assert.Equal(7, (await resellerAdmin.GetAsync<Page<CustomerSummary>>("/api/customers?pageSize=50")).Items.Count);
        var audit = await _provider.GetAsync<Page<AuditEntry>>($"/api/audit?entity=reseller&id={reseller.Id}");
        Assert.Contains(audit.Items, a => a.Action == "customer-import-started");
        Assert.Contains(audit.Items, a => a.Action == "customer-import-completed");
        Assert.Contains((await _provider.GetAsync<Page<AuditEntry>>($"/api/audit?entity=customer&id={seeded[0]}")).Items, a => a.Action == "imported-from-partner-center");
    }

    [Fact]
    public async Task Importing_twice_makes_no_duplicates_and_the_second_import_finds_them_unchanged()
    {
        var reseller = await LinkedResellerAsync("Contoso Partners");
        SeedCustomers(reseller, 4);

        var first = await WaitForImportAsync((await StartImportAsync(reseller.Id)).Location);
        var second = await WaitForImportAsync((await StartImportAsync(reseller.Id)).Location);

        Assert.Equal(new CustomerImportCounts(4, 0, 4, 0, 0), first.Counts);
        Assert.Equal(new CustomerImportCounts(4, 0, 0, 4, 0), second.Counts);
        Assert.NotEqual(first.ImportId, second.ImportId);
        Assert.Equal(4, (await _provider.GetAsync<Page<CustomerSummary>>($"/api/customers?resellerId={reseller.Id}&pageSize=50")).Items.Count);
    }

    [Fact]
    public async Task Concurrent_duplicate_posts_of_an_import_answer_the_same_import_and_run_one_orchestration()
    {
        var reseller = await LinkedResellerAsync("Datum Resellers");
        SeedCustomers(reseller, 2);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => StartImportAsync(reseller.Id)));
        var done = await WaitForImportAsync(answers[0].Location);

        Assert.Single(answers.Select(a => a.Import.ImportId).Distinct());
        Assert.Equal(done.ImportId, answers[0].Import.ImportId);
        Assert.Equal(new CustomerImportCounts(2, 0, 2, 0, 0), done.Counts);
        var instances = await _app.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>()
            .GetAllInstancesAsync(new Microsoft.DurableTask.Client.OrchestrationQuery { InstanceIdPrefix = $"customer-import-{reseller.Id}-" }).CollectAsync();
        Assert.Equal(CustomerImportOrchestration.InstanceId(reseller.Id, done.ImportId), Assert.Single(instances).InstanceId);
        // Two customers fit one page: one run of the import reads one page.
        Assert.Single(_pc.RequestsTo("GET", "/v1/customers"));
        Assert.Single((await _provider.GetAsync<Page<AuditEntry>>($"/api/audit?entity=reseller&id={reseller.Id}")).Items, a => a.Action == "customer-import-started");
    }

    [Fact]
    public async Task An_existing_row_known_by_its_domain_or_its_partner_center_id_is_linked_not_duplicated()
    {
        var reseller = await LinkedResellerAsync("Northwind Resale");
        var byDomainPrefix = CustomerTestKit.NewDomainPrefix("adatum");
        var byDomain = _pc.SeedCustomer(new SeededCustomer(reseller.TenantId.ToString(), "Adatum", byDomainPrefix + ".onmicrosoft.com"));
        var byId = _pc.SeedCustomer(new SeededCustomer(reseller.TenantId.ToString(), "Litware", CustomerTestKit.NewDomainPrefix("litware") + ".onmicrosoft.com"));
        var store = _app.Services.GetRequiredService<CustomerStore>();
        var domainRow = await store.CreateAsync(Row("Adatum", byDomainPrefix, partnerCenterId: null), null, "test", CancellationToken.None);
        var idRow = await store.CreateAsync(Row("Litware Inc", CustomerTestKit.NewDomainPrefix("other"), partnerCenterId: byId), null, "test", CancellationToken.None);

        var done = await WaitForImportAsync((await StartImportAsync(reseller.Id)).Location);

        Assert.Equal(new CustomerImportCounts(2, 2, 0, 0, 0), done.Counts);
        var linkedByDomain = await _provider.GetAsync<CustomerView>($"/api/customers/{domainRow.Id}");
        Assert.Equal(byDomain, linkedByDomain.PartnerCenterId);
        Assert.False(linkedByDomain.Imported);
        Assert.Equal(reseller.Id, linkedByDomain.AssociatedPartnerId);
        Assert.Equal("order-before-import", linkedByDomain.OrderId);
        Assert.Equal(reseller.Id, Assert.Single((await _provider.GetAsync<CustomerView>($"/api/customers/{idRow.Id}")).Resellers).ResellerId);
        var listed = await _provider.GetAsync<Page<CustomerSummary>>($"/api/customers?resellerId={reseller.Id}&pageSize=50");
        Assert.Equal(new[] { domainRow.Id, idRow.Id }.Order(StringComparer.Ordinal), listed.Items.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Contains((await _provider.GetAsync<Page<AuditEntry>>($"/api/audit?entity=customer&id={domainRow.Id}")).Items, a => a.Action == "linked-to-partner-center");
        Assert.Equal(domainRow.Id, await CustomerTestKit.IndexedCustomerIdAsync(store, byDomain));
        Assert.Equal(idRow.Id, await CustomerTestKit.IndexedCustomerIdAsync(store, byId));
    }

    [Fact]
    public async Task A_row_linked_before_the_partner_center_index_existed_is_linked_not_duplicated_and_indexed()
    {
        var reseller = await LinkedResellerAsync("Tailspin Resale");
        var pcId = _pc.SeedCustomer(new SeededCustomer(reseller.TenantId.ToString(), "Tailspin Toys", CustomerTestKit.NewDomainPrefix("tailspin") + ".onmicrosoft.com"));
        var store = _app.Services.GetRequiredService<CustomerStore>();
        var row = await store.CreateAsync(Row("Tailspin Toys", CustomerTestKit.NewDomainPrefix("other"), partnerCenterId: pcId), null, "test", CancellationToken.None);
        await CustomerTestKit.ForgetPartnerCenterIndexAsync(store, pcId);

        var done = await WaitForImportAsync((await StartImportAsync(reseller.Id)).Location);

        Assert.Equal(new CustomerImportCounts(1, 1, 0, 0, 0), done.Counts);
        Assert.Equal(row.Id, Assert.Single((await _provider.GetAsync<Page<CustomerSummary>>($"/api/customers?resellerId={reseller.Id}&pageSize=50")).Items).Id);
        Assert.Equal(row.Id, await CustomerTestKit.IndexedCustomerIdAsync(store, pcId));
        Assert.Equal(row.Id, (await store.FindByPartnerCenterIdAsync(pcId, null, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task A_reseller_not_linked_to_partner_center_is_refused_with_a_problem_that_says_why()
    {
        // Active, but partnered while Partner Center was Disabled: its tenant id is only what it typed.
        var unlinked = await CreateAsync(CustomerTestKit.NewReseller("Unlinked Co") with { Status = ResellerStatus.Active, ActivatedAt = DateTimeOffset.UtcNow });

        using var import = await _provider.PostAsync(new Uri($"/api/resellers/{unlinked.Id}/customers/import", UriKind.Relative), null);
        using var link = await _provider.GetAsync(new Uri($"/api/resellers/{unlinked.Id}/relationship-request", UriKind.Relative));

        foreach (var response in new[] { import, link })
        {
            var problem = await CustomerTestKit.ExpectAsync<ProblemDetails>(response, HttpStatusCode.Conflict);
            Assert.Equal(CustomerImportProblems.ResellerNotLinked, problem.Type);
            Assert.Equal(unlinked.Id, problem.Extension<string>("resellerId"));
            Assert.Contains("not linked to Partner Center", problem.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(_pc.RequestsTo("GET", "/v1/customers"));
        Assert.Empty(_pc.RequestsTo("GET", "/v1/customers/relationshiprequests"));
        using var status = await _provider.GetAsync(new Uri($"/api/resellers/{unlinked.Id}/customers/import", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task Only_a_provider_admin_imports_customers_or_reads_the_relationship_request()
    {
        var reseller = await LinkedResellerAsync("Tailspin Partners");
        using var resellerAdmin = _app.ClientAs(Roles.ResellerAdmin, reseller.Id);

        using var import = await resellerAdmin.PostAsync(new Uri($"/api/resellers/{reseller.Id}/customers/import", UriKind.Relative), null);
        using var status = await resellerAdmin.GetAsync(new Uri($"/api/resellers/{reseller.Id}/customers/import", UriKind.Relative));
        using var link = await resellerAdmin.GetAsync(new Uri($"/api/resellers/{reseller.Id}/relationship-request", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, import.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, status.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, link.StatusCode);
        Assert.Empty(_pc.RequestsTo("GET", "/v1/customers"));
        Assert.Empty(_pc.RequestsTo("GET", "/v1/customers/relationshiprequests"));
    }

    [Theory]
    [InlineData(Tier2.LocalPartnerCenter.RelationshipRequestShape.Documented, RelationshipRequestShape.Documented)]
    [InlineData(Tier2.LocalPartnerCenter.RelationshipRequestShape.Collection, RelationshipRequestShape.Collection)]
    public async Task The_relationship_request_link_is_read_in_either_shape_stored_and_not_asked_for_again(Tier2.LocalPartnerCenter.RelationshipRequestShape answered, RelationshipRequestShape read)
    {
        _pc.Options.RelationshipRequestShape = answered;
        var reseller = await LinkedResellerAsync("Wide World Resellers");

        var first = await _provider.GetAsync<StoredRelationshipRequest>($"/api/resellers/{reseller.Id}/relationship-request");
        var again = await _provider.GetAsync<StoredRelationshipRequest>($"/api/resellers/{reseller.Id}/relationship-request");
        var refreshed = await _provider.GetAsync<StoredRelationshipRequest>($"/api/resellers/{reseller.Id}/relationship-request?refresh=true");

        Assert.Equal(read, first.Shape);
        Assert.StartsWith("https://admin.microsoft.com/", first.Url, StringComparison.Ordinal);
        Assert.Contains(reseller.TenantId.ToString(), first.Url, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(first, again);
        Assert.Equal(first.Url, refreshed.Url);
        var calls = _pc.RequestsTo("GET", "/v1/customers/relationshiprequests");
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Contains("indirectResellerId=" + reseller.TenantId, c.Query, StringComparison.OrdinalIgnoreCase));
        Assert.Contains((await _provider.GetAsync<Page<AuditEntry>>($"/api/audit?entity=reseller&id={reseller.Id}")).Items, a => a.Action == "relationship-request-read");
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("true&refresh=false")]
    [InlineData("tr%E2%80%8Bue")]
    public async Task A_refresh_that_is_not_true_or_false_is_a_400_naming_refresh_and_asks_partner_center_nothing(string refresh)
    {
        var reseller = await LinkedResellerAsync("Alpine Resellers");

        using var response = await _provider.GetAsync(new Uri($"/api/resellers/{reseller.Id}/relationship-request?refresh={refresh}", UriKind.Relative));

        var problem = await CustomerTestKit.ExpectAsync<HttpValidationProblemDetails>(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:tier2:problem:validation", problem.Type);
        Assert.Contains("true or false", Assert.Single(problem.Errors["refresh"]), StringComparison.Ordinal);
        Assert.Empty(_pc.RequestsTo("GET", "/v1/customers/relationshiprequests"));
    }

    [Fact]
    public async Task A_relationship_request_answer_in_neither_shape_is_a_502_that_keeps_the_answer_and_asks_again_next_time()
    {
        _pc.Options.RelationshipRequestShape = Tier2.LocalPartnerCenter.RelationshipRequestShape.Unrecognized;
        var reseller = await LinkedResellerAsync("Proseware Partners");

        using var response = await _provider.GetAsync(new Uri($"/api/resellers/{reseller.Id}/relationship-request", UriKind.Relative));
        using var again = await _provider.GetAsync(new Uri($"/api/resellers/{reseller.Id}/relationship-request", UriKind.Relative));

        var problem = await CustomerTestKit.ExpectAsync<ProblemDetails>(response, HttpStatusCode.BadGateway);
        Assert.Equal(CustomerImportProblems.AnswerNotUnderstood, problem.Type);
        Assert.Contains("not understood", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(nameof(RelationshipRequestShape.NotUnderstood), problem.Extension<string>("shape"));
        Assert.Contains("invitationLink", problem.Extension<string>("answer"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, again.StatusCode);
        Assert.Equal(2, _pc.RequestsTo("GET", "/v1/customers/relationshiprequests").Count);
        var kept = await _app.Services.GetRequiredService<CustomerImportStore>().GetRelationshipRequestAsync(reseller.Id, CancellationToken.None);
        Assert.Contains("invitationLink", kept!.Answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Tier2.LocalPartnerCenter.RelationshipRequestShape.Documented, RelationshipRequestShape.Documented)]
    [InlineData(Tier2.LocalPartnerCenter.RelationshipRequestShape.Collection, RelationshipRequestShape.Collection)]
    [InlineData(Tier2.LocalPartnerCenter.RelationshipRequestShape.Unrecognized, RelationshipRequestShape.NotUnderstood)]
    public async Task The_client_reads_the_relationship_request_for_a_reseller_in_each_shape(Tier2.LocalPartnerCenter.RelationshipRequestShape answered, RelationshipRequestShape read)
    {
        _pc.Options.RelationshipRequestShape = answered;
        var tenant = _pc.SeedReseller(new SeededReseller(null, CustomerTestKit.NewMpn(), "Contract Reseller", MpaSigned: true));

        var answer = await _app.Services.GetRequiredService<PartnerCenterClient>().Customers.GetRelationshipRequestForResellerAsync(tenant);

        Assert.Equal(read, answer.Shape);
        Assert.Equal(read != RelationshipRequestShape.NotUnderstood, answer.Url?.Contains(tenant, StringComparison.Ordinal) == true);
        Assert.Contains(tenant, answer.Raw, StringComparison.Ordinal);
        Assert.Equal("v1", Assert.Single(_pc.RequestsTo("GET", "/v1/customers/relationshiprequests")).Headers["MS-Contract-Version"]);
    }

    /// <summary>A reseller Partner Center lists, linked in Tier2 as the sync imports one (Active, its tenant Partner Center's).</summary>
    private async Task<Reseller> LinkedResellerAsync(string name)
    {
        var mpn = CustomerTestKit.NewMpn();
        var tenant = Guid.Parse(_pc.SeedReseller(new SeededReseller(null, mpn, name, MpaSigned: true)));
        return await CreateAsync(Reseller.Imported(new PartnerCenterStanding(tenant, mpn, name, PartnerAgreementStatus.Accepted), DateTimeOffset.UtcNow));
    }

    private async Task<Reseller> CreateAsync(Reseller reseller)
    {
        var created = await _app.Services.GetRequiredService<ResellerStore>().CreateAsync(reseller, "test", CancellationToken.None);
        Assert.True(created.Created);
        return created.Reseller!;
    }

    private List<string> SeedCustomers(Reseller reseller, int count) =>
        [.. Enumerable.Range(0, count).Select(i => _pc.SeedCustomer(new SeededCustomer(reseller.TenantId.ToString(), $"Customer {i}", CustomerTestKit.NewDomainPrefix("pc") + ".onmicrosoft.com")))];

    private static Customer Row(string name, string domainPrefix, string? partnerCenterId) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        CompanyName = name,
        DomainPrefix = domainPrefix,
        PartnerCenterId = partnerCenterId,
        OrderId = "order-before-import",
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<(CustomerImport Import, string Location)> StartImportAsync(string resellerId)
    {
        using var response = await _provider.PostAsync(new Uri($"/api/resellers/{resellerId}/customers/import", UriKind.Relative), null);
        var import = await CustomerTestKit.ExpectAsync<CustomerImport>(response, HttpStatusCode.Accepted);
        Assert.Equal($"/api/resellers/{resellerId}/customers/import", response.Headers.Location?.OriginalString);
        return (import, response.Headers.Location!.OriginalString);
    }

    private Task<CustomerImport> WaitForImportAsync(string location) =>
        Eventually.UntilAsync(
            async () =>
            {
                using var response = await _provider.GetAsync(new Uri(location, UriKind.Relative));
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{(int)response.StatusCode}");
                return await response.ReadAsync<CustomerImport>();
            },
            i => i.Status != CustomerImportStatus.Running,
            TimeSpan.FromMinutes(3),
            "the import to end");
}
