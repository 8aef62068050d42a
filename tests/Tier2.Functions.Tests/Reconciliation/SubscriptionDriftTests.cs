using Microsoft.DurableTask.Client;
using Tier2.Functions.Offers;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Subscriptions;
using AuditRecord = Tier2.Functions.PartnerCenter.AuditRecord;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Tests.Reconciliation;

/// <summary>The comparison's own logic: no storage, no Partner Center.</summary>
public sealed class SubscriptionDriftTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Threshold = Now.AddMinutes(-15);

    [Fact]
    public void Matching_sides_have_no_drift()
    {
        Assert.Empty(SubscriptionDrift.Compare(Row(), Read(), SupportContactRead.Of(Tenant.ToString(), "1234567", "Fabrikam")));
    }

    [Fact]
    public void Each_differing_field_is_reported_with_both_values()
    {
        var drifts = SubscriptionDrift.Compare(Row(), Read() with { Quantity = 7, PartnerId = "7777777", Status = "suspended" }, SupportContactRead.None);

        Assert.Equal(
            [
                new FieldDrift(SubscriptionDrift.Quantity, "5", "7"),
                new FieldDrift(SubscriptionDrift.PartnerOfRecord, "1234567", "7777777"),
                new FieldDrift(SubscriptionDrift.SupportContact, "1234567", null),
                new FieldDrift(SubscriptionDrift.Status, "Active", "suspended"),
            ],
            drifts);
        Assert.Equal("quantity Tier2 5 / Partner Center 7", drifts[0].ToString());
    }

    [Fact]
    public void A_support_contact_partner_center_refused_to_read_is_not_drift()
    {
        Assert.Empty(SubscriptionDrift.Compare(Row(), Read(), SupportContactRead.NotComparable("2006: not supported for new commerce")));
    }

    [Fact]
    public void A_status_partner_center_names_neither_way_is_not_compared()
    {
        Assert.Empty(SubscriptionDrift.Compare(Row(), Read() with { Status = "pending" }, SupportContactRead.Of(Tenant.ToString(), "1234567", "Fabrikam")));
    }

    [Fact]
    public void An_empty_partner_id_equals_none()
    {
        var row = Row() with { PartnerIdOnRecord = null, PartnerOfRecordResellerId = null };

        Assert.Empty(SubscriptionDrift.Compare(row, Read() with { PartnerId = string.Empty }, SupportContactRead.Of(Tenant.ToString(), "1234567", "Fabrikam")));
    }

    [Fact]
    public void Drift_without_a_pending_change_was_made_in_partner_center()
    {
        Assert.Equal(DriftVerdict.TakePartnerCenter, SubscriptionDrift.Decide(Row(), [new FieldDrift(SubscriptionDrift.Quantity, "5", "7")], null, Threshold));
        Assert.Equal(DriftVerdict.Matches, SubscriptionDrift.Decide(Row(), [], null, Threshold));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    public void A_pending_change_whose_orchestration_is_missing_or_ended_is_driven_again(OrchestrationRuntimeStatus? instance)
    {
        Assert.Equal(DriftVerdict.RedriveTier2Change, SubscriptionDrift.Decide(Pending(Now.AddHours(-1)), [new FieldDrift(SubscriptionDrift.Quantity, "5", "7")], instance, Threshold));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Pending)]
    [InlineData(OrchestrationRuntimeStatus.Running)]
    [InlineData(OrchestrationRuntimeStatus.Suspended)]
    public void A_pending_change_whose_orchestration_runs_is_left_alone(OrchestrationRuntimeStatus instance)
    {
        Assert.Equal(DriftVerdict.ChangeInFlight, SubscriptionDrift.Decide(Pending(Now.AddHours(-1)), [], instance, Threshold));
    }

    [Fact]
    public void A_change_that_failed_after_its_retries_is_kept_and_driven_again_as_the_same_change()
    {
        var pending = Pending(Now.AddHours(-1));
        var failed = pending.RecordPartnerCenterAnswer("c1", new PartnerCenterSync("c1", PartnerCenterSyncOutcome.Failed, null, null, null, null, null, Now), false, false, false).Next!;

        var redriven = failed.RedriveFailedChange().Next;

        Assert.Equal((5, pending.PendingChange), (failed.Quantity, failed.PartnerCenterSync?.Unapplied));
        Assert.Equal(DriftVerdict.RedriveTier2Change, SubscriptionDrift.Decide(failed, [], OrchestrationRuntimeStatus.Completed, Threshold));
        Assert.Equal(pending.PendingChange, redriven?.PendingChange);
        Assert.Null(redriven?.PartnerCenterSync?.Unapplied);
        Assert.Null(redriven!.RedriveFailedChange().Next);
    }

    [Fact]
    public void An_applied_or_refused_change_is_not_kept_for_a_redrive()
    {
        var pending = Pending(Now.AddHours(-1));
        foreach (var outcome in new[] { PartnerCenterSyncOutcome.Applied, PartnerCenterSyncOutcome.Refused })
        {
            var answered = pending.RecordPartnerCenterAnswer("c1", new PartnerCenterSync("c1", outcome, 7, null, null, null, null, Now), true, false, false).Next!;

            Assert.Null(answered.PartnerCenterSync?.Unapplied);
            Assert.Null(answered.RedriveFailedChange().Next);
        }
    }

    [Fact]
    public void A_change_asked_moments_ago_is_the_requests_to_start_not_the_jobs()
    {
        Assert.Equal(DriftVerdict.ChangeInFlight, SubscriptionDrift.Decide(Pending(Now.AddMinutes(-1)), [], null, Threshold));
    }

    [Fact]
    public void The_newest_update_of_that_subscription_says_who_changed_it()
    {
        AuditRecord[] records =
        [
            Record("update_subscription", """{"id":"pc-sub","quantity":6}""", Now.AddDays(-3), "old@provider.example"),
            Record("update_subscription", """{"id":"pc-sub","quantity":7}""", Now.AddDays(-1), "megan@provider.example"),
            Record("update_subscription", """{"id":"other-sub","quantity":9}""", Now, "someone@provider.example"),
            Record("create_order", """{"id":"pc-sub"}""", Now, "buyer@provider.example"),
            Record("update_subscription", "not json", Now, "broken@provider.example"),
        ];

        var change = SubscriptionDrift.LastChangeOf(records, "pc-sub");

        Assert.Equal("megan@provider.example", change?.UserPrincipalName);
        Assert.Equal("changed in Partner Center by megan@provider.example at 2026-12-01 10:00:00Z", SubscriptionDrift.WhoAndWhen(change, TimeSpan.FromDays(89)));
    }

    [Fact]
    public void Without_a_record_or_a_user_the_finding_says_what_it_knows()
    {
        Assert.Equal("no Partner Center audit record of the last 89 days names who changed it", SubscriptionDrift.WhoAndWhen(null, TimeSpan.FromDays(89)));
        Assert.Equal(
            "changed in Partner Center by application app-1 at 2026-12-02 10:00:00Z",
            SubscriptionDrift.WhoAndWhen(Record("update_subscription", "{}", Now, null) with { ApplicationId = "app-1" }, TimeSpan.FromDays(89)));
    }

    private static readonly Guid Tenant = Guid.Parse("484e548c-f5f3-4528-93a9-c16c6373cb59");

    private static Tier2Subscription Row() =>
        Tier2Subscription.Purchase("s1", "c1", new Offer("o1", "Exchange Online (Plan 1)", 1, 300, ["P1Y"], ["monthly"]), 5, "P1Y", "monthly", null, null, Now) with
        {
            PartnerOfRecordResellerId = "r1",
            PartnerIdOnRecord = "1234567",
            SupportContact = new SupportContact(Tenant, "1234567", "Fabrikam", "r1"),
            PartnerCenterSubscriptionId = "pc-sub",
        };

    private static Tier2Subscription Pending(DateTimeOffset requestedAt) =>
        Row().RequestPartnerCenterChange(new SubscriptionPatch(7, false, null, false, null, null), "c1", "provider-admin:test", requestedAt).Moved.Next!;

    private static PcSubscription Read() => new() { Id = "pc-sub", Quantity = 5, PartnerId = "1234567", Status = "active", AutoRenewEnabled = true };

    private static AuditRecord Record(string operation, string newValue, DateTimeOffset at, string? user) =>
        new() { OperationType = operation, ResourceType = "subscription", ResourceNewValue = newValue, OperationDate = at, UserPrincipalName = user, CustomerId = "pc-customer" };
}
