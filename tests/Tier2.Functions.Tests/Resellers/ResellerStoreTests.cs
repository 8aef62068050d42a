using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Resellers;

public sealed class ResellerStoreTests : AppTest
{
    private static Reseller Pending(string mpn, string inviteId) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        CompanyName = "Orphan #1 / Ltd",
        MpnId = mpn,
        TenantId = Guid.NewGuid(),
        ContactName = "Pat",
        ContactEmail = "pat@orphan.example",
        InvitedEmail = $"owner-{Guid.NewGuid():N}@orphan.example",
        Status = ResellerStatus.PendingActivation,
        InviteId = inviteId,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task A_discarded_pending_reseller_frees_its_mpn_id_and_address()
    {
        var store = App.Services.GetRequiredService<ResellerStore>();
        var mpn = Random.Shared.NextInt64(1_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var orphan = Pending(mpn, "invite-1");
        Assert.True((await store.CreateAsync(orphan, "test", CancellationToken.None)).Created);

        Assert.False(await store.DiscardPendingAsync(orphan.Id, "another-invite", "test", CancellationToken.None));
        Assert.True(await store.DiscardPendingAsync(orphan.Id, "invite-1", "test", CancellationToken.None));

        Assert.Null(await store.GetAsync(orphan.Id, CancellationToken.None));
        Assert.Null(await store.FindIdByMpnAsync(mpn, CancellationToken.None));
        Assert.Null(await store.FindIdByEmailAsync(orphan.InvitedEmail, CancellationToken.None));
        Assert.True((await store.CreateAsync(Pending(mpn, "invite-2"), "test", CancellationToken.None)).Created);
    }

    [Fact]
    public async Task An_active_reseller_is_never_discarded()
    {
        var store = App.Services.GetRequiredService<ResellerStore>();
        var reseller = Pending(Random.Shared.NextInt64(1_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), "invite-3");
        await store.CreateAsync(reseller, "test", CancellationToken.None);
        await store.ChangeStatusAsync(reseller.Id, ResellerStatus.PendingActivation, ResellerStatus.Active, "test", null, CancellationToken.None);

        Assert.False(await store.DiscardPendingAsync(reseller.Id, "invite-3", "test", CancellationToken.None));
        Assert.NotNull(await store.GetAsync(reseller.Id, CancellationToken.None));
    }
}
