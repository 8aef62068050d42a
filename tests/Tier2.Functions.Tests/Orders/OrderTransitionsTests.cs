using Tier2.Functions.Customers;
using Tier2.Functions.Orders;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Tests.Orders;

/// <summary>The order's transitions as a table: from-state x transition -> new state, "stays" or "refused". No storage, no host.</summary>
public sealed class OrderTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static Order OrderIn(OrderStatus status, bool cancelRequested = false) =>
        Order.NewDraft("o1", "r1", new CustomerDetails("Tailspin Toys", "tailspintoys", null, null, null, null, null), [new OrderLine("m365-business-premium", 20, "P1Y", "monthly")], Now - TimeSpan.FromHours(1), "admin")
            with { Status = status, CancelRequested = cancelRequested };

    private static Transition<Order> Apply(Order order, string transition) => transition switch
    {
        "Revise" => order.Revise("r2", null, null),
        "Submit" => order.Submit(Now),
        "Cancel" => order.Cancel(Now, orchestrationEnded: false),
        "CancelEnded" => order.Cancel(Now, orchestrationEnded: true),
        "StartProvisioning" => order.StartProvisioning(),
        "RecordAdminUser" => order.RecordAdminUser("admin@tailspintoys.onmicrosoft.com", "sealed"),
        "Complete" => order.Complete(Now),
        "Fail" => order.Fail("step failed", Now),
        "EndCancelled" => order.End(OrderStatus.Cancelled, "cancelled on request", Now),
        _ => throw new ArgumentOutOfRangeException(nameof(transition)),
    };

    private static string Outcome(Order before, Transition<Order> result) =>
        result.Refused ? "refused"
        : result.Next is null ? "stays"
        : result.Next.CancelRequested && !before.CancelRequested && result.Next.Status == before.Status ? "cancel-requested"
        : result.Next.Status.ToString();

    [Theory]
    [InlineData(OrderStatus.Draft, false, "Revise", "Draft")]
    [InlineData(OrderStatus.Draft, false, "Submit", "Submitted")]
    [InlineData(OrderStatus.Draft, false, "Cancel", "Cancelled")]
    [InlineData(OrderStatus.Draft, false, "StartProvisioning", "refused")]
    [InlineData(OrderStatus.Draft, false, "Complete", "refused")]
    [InlineData(OrderStatus.Draft, false, "Fail", "refused")]
    [InlineData(OrderStatus.Submitted, false, "Revise", "refused")]
    [InlineData(OrderStatus.Submitted, false, "Submit", "refused")]
    [InlineData(OrderStatus.Submitted, false, "Cancel", "cancel-requested")]
    [InlineData(OrderStatus.Submitted, false, "CancelEnded", "Cancelled")]
    [InlineData(OrderStatus.Submitted, false, "StartProvisioning", "Provisioning")]
    [InlineData(OrderStatus.Submitted, false, "RecordAdminUser", "refused")]
    [InlineData(OrderStatus.Submitted, false, "Complete", "refused")]
    [InlineData(OrderStatus.Submitted, false, "Fail", "Failed")]
    [InlineData(OrderStatus.Submitted, true, "Cancel", "stays")]
    [InlineData(OrderStatus.Submitted, true, "CancelEnded", "Cancelled")]
    [InlineData(OrderStatus.Submitted, true, "StartProvisioning", "refused")]
    [InlineData(OrderStatus.Submitted, true, "EndCancelled", "Cancelled")]
    [InlineData(OrderStatus.Provisioning, false, "Cancel", "cancel-requested")]
    [InlineData(OrderStatus.Provisioning, false, "CancelEnded", "cancel-requested")]
    [InlineData(OrderStatus.Provisioning, false, "StartProvisioning", "stays")]
    [InlineData(OrderStatus.Provisioning, false, "RecordAdminUser", "Provisioning")]
    [InlineData(OrderStatus.Provisioning, false, "Complete", "Completed")]
    [InlineData(OrderStatus.Provisioning, false, "Fail", "Failed")]
    [InlineData(OrderStatus.Provisioning, true, "Cancel", "stays")]
    [InlineData(OrderStatus.Provisioning, true, "RecordAdminUser", "refused")]
    [InlineData(OrderStatus.Provisioning, true, "Complete", "refused")]
    [InlineData(OrderStatus.Provisioning, true, "EndCancelled", "Cancelled")]
    [InlineData(OrderStatus.Completed, false, "Revise", "refused")]
    [InlineData(OrderStatus.Completed, false, "Cancel", "refused")]
    [InlineData(OrderStatus.Completed, false, "Complete", "refused")]
    [InlineData(OrderStatus.Completed, false, "Fail", "refused")]
    [InlineData(OrderStatus.Failed, false, "Cancel", "refused")]
    [InlineData(OrderStatus.Failed, false, "Submit", "refused")]
    [InlineData(OrderStatus.Failed, false, "Fail", "stays")]
    [InlineData(OrderStatus.Cancelled, false, "Cancel", "stays")]
    [InlineData(OrderStatus.Cancelled, false, "Submit", "refused")]
    [InlineData(OrderStatus.Cancelled, false, "EndCancelled", "stays")]
    public void A_transition_from_a_state_leads_to_the_state_the_table_says(OrderStatus from, bool cancelRequested, string transition, string expected)
    {
        var order = OrderIn(from, cancelRequested);

        Assert.Equal(expected, Outcome(order, Apply(order, transition)));
    }

    [Fact]
    public void Submitting_reserves_the_customer_id_and_fixes_the_onboarding_instance()
    {
        var submitted = OrderIn(OrderStatus.Draft).Submit(Now).Next!;

        Assert.Equal(Now, submitted.SubmittedAt);
        Assert.Equal(32, submitted.CustomerId?.Length);
        Assert.Equal(OrderStore.InstanceIdFor("o1"), submitted.InstanceId);
    }

    [Fact]
    public void Revising_a_draft_replaces_only_the_parts_given_and_a_blank_reseller_makes_it_direct()
    {
        var draft = OrderIn(OrderStatus.Draft);

        Assert.Equal("r1", draft.Revise(null, null, null).Next!.ResellerId);
        Assert.Null(draft.Revise(" ", null, null).Next!.ResellerId);
        Assert.Equal(draft.LineItems, draft.Revise("r2", null, null).Next!.LineItems);
    }

    [Fact]
    public void Ending_an_order_removes_the_admin_user_and_its_password_and_keeps_the_reason()
    {
        var provisioning = OrderIn(OrderStatus.Provisioning).RecordAdminUser("admin@tailspintoys.onmicrosoft.com", "sealed").Next!;

        var failed = provisioning.Fail("Step CreateCustomer failed.", Now).Next!;

        Assert.Equal((OrderStatus.Failed, "Step CreateCustomer failed.", Now), (failed.Status, failed.FailureReason, failed.CompletedAt));
        Assert.Null(failed.AdminUserName);
        Assert.Null(failed.EncryptedPassword);
    }

    [Fact]
    public void Cancelling_a_completed_order_says_to_manage_its_subscriptions()
    {
        Assert.Equal("The order is Completed; it can no longer be cancelled. Manage the customer's subscriptions instead.", OrderIn(OrderStatus.Completed).Cancel(Now, orchestrationEnded: false).Refusal);
    }

    [Fact]
    public void An_address_recorded_verified_counts_only_while_it_is_the_orders_address_spelled_alike()
    {
        var address = new Address("1 Main St", null, "Redmond", "WA", "98052", "US");
        var draft = OrderIn(OrderStatus.Draft) with { Customer = new CustomerDetails("Tailspin Toys", "tailspintoys", null, null, null, address, null) };
        var verified = draft.RecordAddressVerified(Order.AddressFingerprint(address)!)!;

        Assert.True(verified.AddressVerified);
        Assert.Null(verified.RecordAddressVerified(verified.VerifiedAddress!));
        Assert.True((verified with { Customer = verified.Customer with { Address = new Address(" 1  main st ", null, "REDMOND", "wa", "98052", "us") } }).AddressVerified);
        var moved = verified.Revise(null, verified.Customer with { Address = address with { AddressLine1 = "2 Elsewhere Rd" } }, null).Next!;
        Assert.False(moved.AddressVerified);
        Assert.Null(moved.RecordAddressVerified(verified.VerifiedAddress!));
        Assert.Null((draft with { Status = OrderStatus.Provisioning }).RecordAddressVerified(Order.AddressFingerprint(address)!));
    }
}
