using Tier2.Functions.Customers;
using Tier2.Functions.Tests.Infrastructure;
using static Tier2.Functions.Tests.Customers.CustomerTestKit;

namespace Tier2.Functions.Tests.Customers;

/// <summary>
/// Finding a Tier2 customer by its Partner Center customer id (<see cref="CustomerStore.FindByPartnerCenterIdAsync"/>):
/// a point read of the index row, a row from before the index found once by a scan and indexed, and stale index rows not
/// trusted. Real Azurite, each test its own tables.
/// </summary>
public sealed class CustomerPartnerCenterIndexTests : IAsyncLifetime
{
    private TestApp _app = null!;

    private CustomerStore Store => _app.Services.GetRequiredService<CustomerStore>();

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_customer_created_with_a_partner_center_id_gets_an_index_row_and_is_found_by_the_id_in_any_case()
    {
        var pcId = Guid.NewGuid().ToString();
        var created = await CreateAsync(pcId);

        Assert.Equal(created.Id, await IndexedCustomerIdAsync(Store, pcId));
        Assert.Equal(created.Id, (await Store.FindByPartnerCenterIdAsync(pcId, null, CancellationToken.None))?.Id);
        Assert.Equal(created.Id, (await Store.FindByPartnerCenterIdAsync(pcId.ToUpperInvariant(), null, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task A_customer_linked_before_the_index_existed_is_found_by_a_scan_once_and_indexed()
    {
        var pcId = Guid.NewGuid().ToString();
        var created = await CreateAsync(pcId);
        await ForgetPartnerCenterIndexAsync(Store, pcId);
        Assert.Null(await IndexedCustomerIdAsync(Store, pcId));

        var found = await Store.FindByPartnerCenterIdAsync(pcId, null, CancellationToken.None);

        Assert.Equal(created.Id, found?.Id);
        Assert.Equal(created.Id, await IndexedCustomerIdAsync(Store, pcId));
    }

    [Fact]
    public async Task An_index_row_naming_a_customer_that_does_not_carry_the_id_is_not_trusted_and_is_repaired()
    {
        var pcId = Guid.NewGuid().ToString();
        var right = await CreateAsync(pcId);
        var other = await CreateAsync(Guid.NewGuid().ToString());
        await Store.Index.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(CustomerStore.PartnerCenterPartition, CustomerStore.PartnerCenterIndexKey(pcId)) { ["CustomerId"] = other.Id });

        var found = await Store.FindByPartnerCenterIdAsync(pcId, null, CancellationToken.None);

        Assert.Equal(right.Id, found?.Id);
        Assert.Equal(right.Id, await IndexedCustomerIdAsync(Store, pcId));
    }

    [Fact]
    public async Task Deleting_a_customer_removes_its_index_row_and_the_id_is_no_longer_found()
    {
        var pcId = Guid.NewGuid().ToString();
        var created = await CreateAsync(pcId);

        Assert.True(await Store.DeleteAsync(created.Id, "test", "compensation", CancellationToken.None));

        Assert.Null(await IndexedCustomerIdAsync(Store, pcId));
        Assert.Null(await Store.FindByPartnerCenterIdAsync(pcId, null, CancellationToken.None));
    }

    [Fact]
    public async Task Without_a_row_carrying_the_id_the_row_with_the_domain_is_found_whatever_id_it_carries()
    {
        var prefix = NewDomainPrefix();
        var unlinked = await CreateAsync(null, prefix);

        var found = await Store.FindByPartnerCenterIdAsync(Guid.NewGuid().ToString(), prefix.ToUpperInvariant(), CancellationToken.None);

        Assert.Equal(unlinked.Id, found?.Id);
        Assert.Null(found?.PartnerCenterId);
    }

    [Fact]
    public async Task Reading_every_customers_keys_writes_the_index_rows_that_are_missing()
    {
        var pcId = Guid.NewGuid().ToString();
        var created = await CreateAsync(pcId);
        await ForgetPartnerCenterIndexAsync(Store, pcId);

        var keys = await Store.ReadKeysAsync(CancellationToken.None);

        Assert.Equal(created.Id, keys.ByPartnerCenterId(pcId));
        Assert.Equal(created.Id, await IndexedCustomerIdAsync(Store, pcId));
    }

    private Task<Customer> CreateAsync(string? partnerCenterId, string? domainPrefix = null) => Store.CreateAsync(
        new Customer
        {
            Id = Guid.NewGuid().ToString("N"),
            CompanyName = "Wingtip Toys",
            DomainPrefix = domainPrefix ?? NewDomainPrefix(),
            PartnerCenterId = partnerCenterId,
            OrderId = "o-" + Guid.NewGuid().ToString("N")[..8],
            CreatedAt = DateTimeOffset.UtcNow,
        },
        null,
        "test",
        CancellationToken.None);
}
