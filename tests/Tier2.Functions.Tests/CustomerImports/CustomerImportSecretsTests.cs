using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Tier2.Functions.CustomerImports;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Functions.Tests.PartnerCenter;
using Tier2.LocalPartnerCenter;
using LocalPc = Tier2.LocalPartnerCenter.LocalPartnerCenter;

namespace Tier2.Functions.Tests.CustomerImports;

/// <summary>
/// The Partner Center flows of this feature hold no secret where none belongs: an import, the relationship request link
/// (read and refreshed) and a signed event, then every log line, every row of the app's tables (the import and its audit
/// rows, the stored raw answer, the event rows, the customers) and of its task hub, and every response are searched for
/// each token the local Partner Center issued, the refresh token and the client secret.
/// </summary>
public sealed class CustomerImportSecretsTests
{
    [Fact]
    public async Task No_token_or_client_secret_appears_in_the_logs_rows_history_or_responses_of_an_import_a_relationship_request_and_an_event()
    {
        var logs = new LogRecorder();
        await using var pc = await LocalPc.StartAsync(new LocalPartnerCenterOptions { MaxCustomerPageSize = 2 });
        await using var signer = await PartnerCenterEventSigner.StartAsync();
        await using var app = await TestApp.StartAsync(
            settings =>
            {
                PartnerCenterTestKit.PointAt(settings, pc);
                signer.Configure(settings);

                // Every level is searched, not only the test app's default Warning and up.
                settings["Logging:LogLevel:Default"] = "Trace";
                settings["Logging:LogLevel:DurableTask"] = "Trace";
            },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        var refreshToken = await PartnerCenterTestKit.ConnectAsync(app.Services, pc);
        using var provider = app.ClientAs();
        var mpn = CustomerTestKit.NewMpn();
        var tenant = Guid.Parse(pc.SeedReseller(new SeededReseller(null, mpn, "Secretless Resellers", MpaSigned: true)));
        var reseller = (await app.Services.GetRequiredService<ResellerStore>().CreateAsync(
            Reseller.Imported(new PartnerCenterStanding(tenant, mpn, "Secretless Resellers", PartnerAgreementStatus.Accepted), DateTimeOffset.UtcNow), "test", CancellationToken.None)).Reseller!;
        var seeded = Enumerable.Range(0, 3).Select(i => pc.SeedCustomer(new SeededCustomer(tenant.ToString(), $"Secretless {i}", CustomerTestKit.NewDomainPrefix("sl") + ".onmicrosoft.com"))).ToList();
        var responses = new List<string>();

        using (var started = await provider.PostAsync(new Uri($"/api/resellers/{reseller.Id}/customers/import", UriKind.Relative), null))
        {
            responses.Add(await started.Content.ReadAsStringAsync());
        }

        var done = await Eventually.UntilAsync(() => provider.GetAsync<CustomerImport>($"/api/resellers/{reseller.Id}/customers/import"), i => i.Status != CustomerImportStatus.Running, TimeSpan.FromMinutes(3), "the import to end");
        Assert.Equal(new CustomerImportCounts(3, 0, 3, 0, 0), done.Counts);
        foreach (var path in new[] { $"/api/resellers/{reseller.Id}/customers/import", $"/api/resellers/{reseller.Id}/relationship-request", $"/api/resellers/{reseller.Id}/relationship-request?refresh=true", "/api/partner-center/connection", $"/api/audit?entity=reseller&id={reseller.Id}" })
        {
            responses.Add(await provider.GetStringAsync(new Uri(path, UriKind.Relative)));
        }

        var body = PartnerCenterEventSigner.Body(PartnerCenterEvent.RelationshipAccepted, $"https://api.partnercenter.microsoft.com/webhooks/v1/customers/{seeded[0]}", "customer");
        using (var received = await app.Client.SendAsync(signer.Request(body, signer.Sign(body))))
        {
            Assert.Equal(HttpStatusCode.Accepted, received.StatusCode);
            responses.Add(await received.Content.ReadAsStringAsync());
        }

        var finished = await Eventually.UntilAsync(
            async () => (await app.Services.GetRequiredService<PartnerCenterEventStore>().GetAsync(PartnerCenterEvent.IdOf(body), CancellationToken.None))!,
            e => e is { Outcome: not PartnerCenterEventOutcome.Received },
            what: "the event's outcome");
        Assert.Equal(PartnerCenterEventOutcome.Applied, finished.Outcome);

        var secrets = new List<string>(pc.IssuedTokens()) { refreshToken, pc.Options.ClientSecret };
        Assert.True(secrets.Count >= 3, "the local Partner Center issued no access token");
        var rows = await RowsAsync(app);
        Assert.Contains(rows, v => v.Contains("customer-import-completed", StringComparison.Ordinal));
        Assert.Contains(rows, v => v.Contains("relationship-request-read", StringComparison.Ordinal));
        Assert.Contains(rows, v => v.Contains(PartnerCenterEvent.RelationshipAccepted, StringComparison.Ordinal));
        Assert.Contains(rows, v => v.Contains(CustomerImportOrchestration.Name, StringComparison.Ordinal));
        // The recorder saw the Partner Center client's own request lines (where a token in a header or URL would show).
        Assert.Contains(logs.Lines, l => l.Contains("PartnerCenterClient", StringComparison.Ordinal) && l.Contains("Sending HTTP request", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(rows, v => v.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(responses, r => r.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Every value of every row of the app's tables and of its task hub's.</summary>
    private static async Task<List<string>> RowsAsync(TestApp app)
    {
        var tables = app.Services.GetRequiredService<TableServiceClient>();
        var hub = app.App.Configuration["AzureFunctionsJobHost:extensions:durableTask:hubName"]!;
        var values = new List<string>();
        foreach (var prefix in new[] { app.Prefix, hub })
        {
            await foreach (var table in tables.QueryAsync(TableClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")))
            {
                await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
                {
                    values.AddRange(((IDictionary<string, object>)entity).Values.Select(v => v is byte[] bytes ? Encoding.UTF8.GetString(bytes) : v?.ToString() ?? string.Empty));
                }
            }
        }

        return values;
    }
}
