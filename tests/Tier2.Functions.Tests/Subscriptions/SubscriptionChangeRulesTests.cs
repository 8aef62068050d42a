using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Subscriptions;
using Tier2.Functions.Tests.Customers;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.Subscriptions;

/// <summary>The rules of a change bound for Partner Center, on the records that own them (no I/O).</summary>
public sealed class SubscriptionChangeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static PcSubscription Bought(int quantity, params (int Quantity, DateTimeOffset Until)[] refundable) => new()
    {
        Id = "pc-sub",
        Quantity = quantity,
        AutoRenewEnabled = true,
        RefundableQuantity = new RefundableQuantity(refundable.Sum(r => r.Quantity), [.. refundable.Select(r => new RefundableQuantityDetail(r.Quantity, r.Until))]),
    };

    private static Subscription Row(int quantity = 5) => new()
    {
        Id = "s1",
        CustomerId = "c1",
        OfferId = "exchange-online-p1",
        OfferName = "Exchange Online (Plan 1)",
        Quantity = quantity,
        TermDuration = "P1Y",
        BillingCycle = "monthly",
        Status = SubscriptionStatus.Active,
        PartnerCenterSubscriptionId = "pc-sub",
        CreatedAt = Now,
    };

    [Fact]
    public void A_decrease_within_what_is_refundable_goes_ahead()
    {
        Assert.Null(SubscriptionChanges.DecreaseRefusal(Bought(5, (5, Now.AddDays(3))), 1, Now));
    }

    [Fact]
    public void A_decrease_beyond_what_is_refundable_names_how_many_may_go_back_and_until_when()
    {
        var refusal = SubscriptionChanges.DecreaseRefusal(Bought(8, (3, Now.AddDays(-1)), (2, Now.AddDays(4))), 3, Now);

        Assert.NotNull(refusal);
        Assert.Equal("quantity", refusal.Field);
        Assert.Equal(422, refusal.Status);
        Assert.Contains("Only 2 may be returned now (2 until 2026-12-06 10:00:00Z)", refusal.Detail, StringComparison.Ordinal);
        Assert.Contains("down to 6", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_refundableQuantity_Partner_Center_decides()
    {
        Assert.Null(SubscriptionChanges.DecreaseRefusal(new PcSubscription { Id = "legacy", Quantity = 5 }, 1, Now));
    }

    [Fact]
    public void A_change_while_another_is_pending_is_refused_but_a_status_change_applies_at_once()
    {
        var partner = CustomerTestKit.NewReseller("Contoso") with { Status = ResellerStatus.Active };
        var (first, _, change) = Row().RequestPartnerCenterChange(new SubscriptionPatch(8, true, partner, false, null, SubscriptionStatus.Suspended), "ch1", "provider-admin:x", Now);

        var pending = first.Next!;
        Assert.Equal(5, pending.Quantity);
        Assert.Equal(SubscriptionStatus.Suspended, pending.Status);
        Assert.Equal(new int?(8), change!.Quantity);
        Assert.Equal(partner.MpnId, change.PartnerIdOnRecord);
        var (second, _, none) = pending.RequestPartnerCenterChange(new SubscriptionPatch(9, false, null, false, null, null), "ch2", "provider-admin:x", Now);
        Assert.True(second.Refused);
        Assert.Null(none);
    }

    [Fact]
    public void Partner_Centers_answer_makes_only_the_parts_it_took_Tier2s_once()
    {
        var partner = CustomerTestKit.NewReseller("Contoso") with { Status = ResellerStatus.Active };
        var (asked, _, _) = Row().RequestPartnerCenterChange(new SubscriptionPatch(8, false, null, true, partner, null), "ch1", "provider-admin:x", Now);
        var answer = new PartnerCenterSync("ch1", PartnerCenterSyncOutcome.Refused, 8, null, true, null, new PartnerCenterRefusal(422, PartnerCenterProblems.SupportContactRefused, "supportContactResellerId", "refused", "2006"), Now);

        var recorded = asked.Next!.RecordPartnerCenterAnswer("ch1", answer, quantityTaken: true, partnerTaken: true, supportTaken: false).Next!;

        Assert.Equal(8, recorded.Quantity);
        Assert.Null(recorded.SupportContact);
        Assert.Null(recorded.PendingChange);
        Assert.Equal(answer, recorded.PartnerCenterSync);
        Assert.False(recorded.RecordPartnerCenterAnswer("ch1", answer, true, true, true).Moved);
    }
}
