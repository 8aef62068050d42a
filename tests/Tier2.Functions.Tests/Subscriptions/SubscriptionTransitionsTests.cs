using Tier2.Functions.Offers;
using Tier2.Functions.Resellers;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Tests.Subscriptions;

/// <summary>The subscription's transitions as a table: from-state x transition -> new state or "stays". No storage, no host.</summary>
public sealed class SubscriptionTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Offer Teams = new("teams-rooms-pro", "Teams Rooms Pro", 1, 300, ["P1Y"], ["annual"]);

    private static Subscription SubscriptionIn(SubscriptionStatus status) =>
        Subscription.Purchase("s1", "c1", Teams, 2, "P1Y", "annual", partnerOfRecord: null, orderId: null, Now) with { Status = status };

    [Theory]
    [InlineData(SubscriptionStatus.Active, "Suspend", "Suspended")]
    [InlineData(SubscriptionStatus.Active, "Reactivate", "stays")]
    [InlineData(SubscriptionStatus.Suspended, "Suspend", "stays")]
    [InlineData(SubscriptionStatus.Suspended, "Reactivate", "Active")]
    public void A_transition_from_a_state_leads_to_the_state_the_table_says(SubscriptionStatus from, string transition, string expected)
    {
        var subscription = SubscriptionIn(from);
        var result = transition == "Suspend" ? subscription.Suspend() : subscription.Reactivate();

        Assert.Equal(expected, result.Next?.Status.ToString() ?? (result.Refused ? "refused" : "stays"));
    }

    [Theory]
    [InlineData(SubscriptionStatus.Active, SubscriptionStatus.Active, 5, false)]
    [InlineData(SubscriptionStatus.Active, SubscriptionStatus.Suspended, 5, true)]
    [InlineData(SubscriptionStatus.Active, SubscriptionStatus.Suspended, 2, false)]
    [InlineData(SubscriptionStatus.Suspended, SubscriptionStatus.Suspended, 5, true)]
    [InlineData(SubscriptionStatus.Suspended, SubscriptionStatus.Active, 5, false)]
    public void A_suspended_subscription_keeps_its_license_count(SubscriptionStatus from, SubscriptionStatus becomes, int quantity, bool refused)
    {
        Assert.Equal(refused, SubscriptionIn(from).QuantityRefusal(quantity, becomes) is not null);
    }

    [Fact]
    public void A_purchase_is_active_and_credits_the_partner_of_record_by_its_mpn_id()
    {
        var partner = Reseller.Accepted("r1", "Fabrikam", "1234567", Guid.NewGuid(), "Pat", "pat@fabrikam.example", "owner@fabrikam.example", "i1", Now);

        var bought = Subscription.Purchase("s1", "c1", Teams, 2, "P1Y", "annual", partner, "o1", Now);

        Assert.Equal(SubscriptionStatus.Active, bought.Status);
        Assert.Equal(("r1", "1234567", "Teams Rooms Pro"), (bought.PartnerOfRecordResellerId, bought.PartnerIdOnRecord, bought.OfferName));
    }

    [Fact]
    public void A_patch_names_every_part_it_changed_in_the_audit_action()
    {
        var support = Reseller.Accepted("r2", "Contoso", "7654321", Guid.NewGuid(), "Sam", "sam@contoso.example", "owner@contoso.example", "i2", Now);
        var patch = new SubscriptionPatch(Quantity: 5, SetsPartnerOfRecord: false, PartnerOfRecord: null, SetsSupportContact: true, SupportContact: support, Status: SubscriptionStatus.Suspended);

        var (after, action) = SubscriptionIn(SubscriptionStatus.Active).Apply(patch);

        Assert.Equal("quantity-changed,support-contact-changed,suspended", action);
        Assert.Equal((5, "r2", SubscriptionStatus.Suspended), (after.Quantity, after.SupportContact?.ResellerId, after.Status));
        Assert.Equal(string.Empty, after.Apply(patch).Action);
    }
}
