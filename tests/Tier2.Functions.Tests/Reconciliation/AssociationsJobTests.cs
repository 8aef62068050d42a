using Tier2.Functions.Reconciliation;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Reconciliation;

public sealed class AssociationsJobTests
{
    [Fact]
    public async Task Associations_with_a_suspended_reseller_are_reported_and_the_provider_is_emailed_a_summary()
    {
        var providerEmail = $"provider-{Guid.NewGuid():N}@contoso.example";
        await using var kit = await CustomerTestKit.StartAsync(configure: s => s["Tier2:ProviderEmail"] = providerEmail);
        using var provider = kit.Provider();
        var healthy = await kit.CreateResellerAsync("Healthy Reseller");
        var failing = await kit.CreateResellerAsync("Failing Reseller");
        var order = await OnboardAsync(provider, failing.Id, NewDomainPrefix(), "Contoso Pharma", ("m365-business-premium", 10, "P1Y", "monthly"));
        var customerId = order.CustomerId!;
        await OnboardAsync(provider, healthy.Id, NewDomainPrefix(), "Fine Customer", ("exchange-online-p1", 3, "P1M", "monthly"));
        var before = await RunAsync(provider);

        var resellers = kit.Services.GetRequiredService<ResellerStore>();
        await resellers.ChangeStatusAsync(failing.Id, ResellerStatus.Active, ResellerStatus.Suspended, "test", null, CancellationToken.None);
        var after = await RunAsync(provider);
        var again = await RunAsync(provider);

        Assert.Equal(0, before.Reported);
        var details = after.Details;
        Assert.Contains(details, d => d.StartsWith($"customer {customerId} is delegated to a reseller Failing Reseller", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Contains("partner of record reseller Failing Reseller", StringComparison.Ordinal) && d.Contains(customerId, StringComparison.Ordinal));
        Assert.DoesNotContain(details, d => d.Contains("Healthy Reseller", StringComparison.Ordinal));
        Assert.Equal(after.Reported, again.Reported);
        var summary = await Maildev.WaitForMessageAsync(providerEmail);
        Assert.Contains("suspended or removed resellers", summary.Subject, StringComparison.Ordinal);
        Assert.Contains(customerId, summary.Text, StringComparison.Ordinal);
    }

    private static async Task<ReconciliationRun> RunAsync(HttpClient provider)
    {
        using var response = await provider.PostAsync(new Uri("/api/reconciliation/jobs/ReconcileAssociations/run", UriKind.Relative), null);
        var run = await ExpectAsync<ReconciliationRun>(response, HttpStatusCode.OK);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        return run;
    }
}
