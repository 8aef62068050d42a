using Tier2.Functions.Tests.Customers;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Resellers;

public sealed class ResellerEndpointTests : IAsyncLifetime
{
    private CustomerTestKit _kit = null!;

    public async Task InitializeAsync() => _kit = await StartAsync();

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task A_stale_if_match_on_a_resellers_suspend_or_reactivate_gets_412_before_its_state_is_checked()
    {
        var reseller = await _kit.CreateResellerAsync("Stale Resale");
        using var provider = _kit.Provider();
        using var read = await provider.GetAsync($"/api/resellers/{reseller.Id}");
        await ExpectAsync(read, HttpStatusCode.OK);
        var staleETag = ETagOf(read);
        using var suspend = await SendAsync(provider, HttpMethod.Post, $"/api/resellers/{reseller.Id}/suspend", ifMatch: staleETag);
        await ExpectAsync(suspend, HttpStatusCode.OK);

        using var again = await SendAsync(provider, HttpMethod.Post, $"/api/resellers/{reseller.Id}/suspend", ifMatch: staleETag);
        await ExpectAsync(again, HttpStatusCode.PreconditionFailed);
        using var reactivate = await SendAsync(provider, HttpMethod.Post, $"/api/resellers/{reseller.Id}/reactivate", ifMatch: staleETag);
        await ExpectAsync(reactivate, HttpStatusCode.PreconditionFailed);
    }
}
