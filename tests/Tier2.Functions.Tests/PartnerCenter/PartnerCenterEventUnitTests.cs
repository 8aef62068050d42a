using Tier2.Functions.Offers;
using Tier2.Functions.PartnerCenter.Events;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>The event's resource address and the mapping of a re-read subscription, without storage or a server.</summary>
public sealed class PartnerCenterEventUnitTests
{
    private static readonly Tier2Subscription Active = Tier2Subscription.Purchase(
        "s1", "c1", new Offer("o1", "Offer", 1, 300, ["P1Y"], ["monthly"]), 2, "P1Y", "monthly", null, null, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("https://api.partnercenter.microsoft.com/webhooks/v1/customers/c-1/subscriptions/s-2", "c-1", "s-2")]
    [InlineData("https://api.partnercenter.microsoft.com/v1/customers/c-1", "c-1", null)]
    public void The_resource_uri_names_the_customer_and_subscription(string uri, string customer, string? subscription)
    {
        var e = new PartnerCenterEvent(PartnerCenterEvent.SubscriptionUpdated, uri, "subscription", null, null);

        Assert.Equal((customer, subscription), e.Resource());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a uri")]
    [InlineData("https://api.partnercenter.microsoft.com/v1/orders/1")]
    [InlineData("https://api.partnercenter.microsoft.com/v1/customers/a%27b")]
    public void A_resource_uri_without_a_readable_customer_names_nothing(string? uri) =>
        Assert.Null(new PartnerCenterEvent(PartnerCenterEvent.SubscriptionUpdated, uri, null, null, null).Resource());

    [Theory]
    [InlineData("suspended", Tier2.Functions.Subscriptions.SubscriptionStatus.Suspended)]
    [InlineData("deleted", Tier2.Functions.Subscriptions.SubscriptionStatus.Suspended)]
    [InlineData("pending", Tier2.Functions.Subscriptions.SubscriptionStatus.Active)]
    [InlineData("active", Tier2.Functions.Subscriptions.SubscriptionStatus.Active)]
    public void The_status_follows_partner_center_through_the_records_transitions(string status, Tier2.Functions.Subscriptions.SubscriptionStatus expected)
    {
        var after = Active.ChangedInPartnerCenter(new PcSubscription { Id = "pc", Quantity = 4, Status = status, PartnerId = "7654321", AutoRenewEnabled = true }, "r1");

        Assert.Equal(expected, after!.Status);
        Assert.Equal(4, after.Quantity);
        Assert.Equal("7654321", after.PartnerIdOnRecord);
        Assert.Equal("r1", after.PartnerOfRecordResellerId);
        Assert.True(after.AutoRenewEnabled);
    }

    [Fact]
    public void A_subscription_that_already_matches_is_not_changed()
    {
        var matching = Active with { AutoRenewEnabled = false };

        Assert.Null(matching.ChangedInPartnerCenter(new PcSubscription { Id = "pc", Quantity = 2, Status = "active", PartnerId = null, AutoRenewEnabled = false }, null));
    }

    [Fact]
    public void The_event_id_is_the_hash_of_the_exact_body()
    {
        var body = "{\"EventName\":\"test-created\"}"u8.ToArray();
        var spaced = "{ \"EventName\":\"test-created\"}"u8.ToArray();

        Assert.Equal(PartnerCenterEvent.IdOf(body), PartnerCenterEvent.IdOf(body.ToArray()));
        Assert.NotEqual(PartnerCenterEvent.IdOf(body), PartnerCenterEvent.IdOf(spaced));
        Assert.Equal(64, PartnerCenterEvent.IdOf(body).Length);
    }
}
