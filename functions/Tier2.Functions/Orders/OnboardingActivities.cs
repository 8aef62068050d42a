using Microsoft.AspNetCore.DataProtection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Orders;

/// <summary>
/// A test-only seam: when registered (tests do; production registers none), it is called by each step of
/// <see cref="CustomerOnboardingOrchestration"/> (after the step's writes for the Create steps, so the undo of a
/// half-done step is exercised; before them for Validate and Complete) and may throw to make the step fail, or wait.
/// </summary>
public interface IOnboardingFaultInjector
{
    Task OnStepAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken);

    /// <summary>Called before the undo of <paramref name="step"/>; may throw to make the undo fail.</summary>
    Task OnUndoAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The order was cancelled while it was being provisioned (not retried: the orchestration undoes and ends Cancelled).</summary>
public sealed class OrderCancelledException : Exception
{
    public OrderCancelledException()
    {
    }

    public OrderCancelledException(string message)
        : base(message)
    {
    }

    public OrderCancelledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The order cannot be provisioned as it stands (not retried: the orchestration undoes and ends Failed).</summary>
public sealed class OrderRefusedException : Exception
{
    public OrderRefusedException()
    {
    }

    public OrderRefusedException(string message)
        : base(message)
    {
    }

    public OrderRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The steps of <see cref="CustomerOnboardingOrchestration"/> and their undo, as activity functions (an instance per
/// invocation; <see cref="UndoAndFailAsync"/> serves the repair job from DI). Every one is safe to run twice
/// (ids are derived from the order, writes are insert-or-confirm), and each checks that the order was not
/// cancelled meanwhile.
/// </summary>
public sealed partial class OnboardingActivities(
    OrderStore orders,
    CustomerStore customers,
    SubscriptionStore subscriptions,
    ResellerStore resellers,
    OfferSource offers,
    OrderReview review,
    IDataProtectionProvider protection,
    TimeProvider time,
    ILogger<OnboardingActivities> logger,
    PartnerCenterOrderChecks partnerCenter,
    IOnboardingFaultInjector? faults = null)
{
    public static readonly Activity<string, OnboardingPlan> Validate = new(nameof(OnboardingValidate));
    public static readonly Activity<string, OnboardingStepResult> CreateCustomer = new(nameof(OnboardingCreateCustomer));
    public static readonly Activity<OnboardingLine, OnboardingStepResult> CreateSubscription = new(nameof(OnboardingCreateSubscription));
    public static readonly Activity<string, OnboardingStepResult> CreateAdminUser = new(nameof(OnboardingCreateAdminUser));
    public static readonly Activity<string, OnboardingStepResult> Complete = new(nameof(OnboardingComplete));
    public static readonly Activity<string, OnboardingStepResult> RemoveAdminUser = new(nameof(OnboardingRemoveAdminUser));
    public static readonly Activity<OnboardingLine, OnboardingStepResult> RemoveSubscription = new(nameof(OnboardingRemoveSubscription));
    public static readonly Activity<string, OnboardingStepResult> RemoveCustomer = new(nameof(OnboardingRemoveCustomer));
    public static readonly Activity<OnboardingFinish, OnboardingStepResult> Finish = new(nameof(OnboardingFinishOrder));
    public const string PasswordPurpose = "Tier2.Orders.TemporaryPassword";
    private const string Actor = "orchestration:" + CustomerOnboardingOrchestration.Name;

    /// <summary>The order was cancelled meanwhile (an <see cref="OrderCancelledException"/>, possibly wrapped).</summary>
    public static bool IsCancellation(TaskFailureDetails? failure) => Find<OrderCancelledException>(failure) is not null;

    /// <summary>Failures that a retry cannot fix: a cancellation or a refusal.</summary>
    public static bool IsFinal(TaskFailureDetails? failure) => FinalFailure(failure) is not null;

    /// <summary>The cancellation or refusal in <paramref name="failure"/> or its inner failures (its message is for callers), or null.</summary>
    public static TaskFailureDetails? FinalFailure(TaskFailureDetails? failure) => Find<OrderCancelledException>(failure) ?? Find<OrderRefusedException>(failure);

    // By type name first (deterministic, no assembly scan), then IsCausedBy (subclasses); inner failures too, as a
    // host may wrap the activity's exception.
    private static TaskFailureDetails? Find<TException>(TaskFailureDetails? failure)
        where TException : Exception
    {
        for (var current = failure; current is not null; current = current.InnerFailure)
        {
            if (string.Equals(current.ErrorType, typeof(TException).FullName, StringComparison.Ordinal) || current.IsCausedBy<TException>())
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>What callers see when a step failed for an internal reason: the detail stays in the orchestration's history and the logs.</summary>
    public static string InternalFailureReason(OnboardingStep step, string instanceId) => $"Step {step} failed (internal error); see orchestration {instanceId}.";

    public static string UndoFailedSuffix(string instanceId) =>
        $" Undoing the completed steps failed too (internal error; see orchestration {instanceId}); an operator must remove what is left.";

    /// <summary>The setup info of an order whose customer was found by its domain after an interrupted create: Partner Center showed the password once, to a call whose answer was lost.</summary>
    public static string PasswordLostMessage(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return $"The temporary password Partner Center issued for {CustomerNames.AdminUserName(order.DomainPrefix!)} cannot be shown: the customer (Partner Center id {order.PartnerCenterCustomerId}) " +
            "was found by its domain after its creation was interrupted, and Partner Center returns the password only in the create answer. " +
            "Reset the admin user's password in Partner Center (Customers > the customer > Users) or the Microsoft 365 admin center.";
    }

    public static IDataProtector PasswordProtector(IDataProtectionProvider provider, string orderId) => provider.CreateProtector(PasswordPurpose, orderId);

    [Function(nameof(OnboardingValidate))]
    public async Task<OnboardingPlan> OnboardingValidate([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        var reviewed = await review.ReviewAsync(order, cancellationToken);
        var problems = reviewed.Problems;
        if (problems.Count == 0 && partnerCenter.Enabled && order.PartnerCenterCustomerId is null && order.ResellerId is not null
            && await resellers.GetAsync(order.ResellerId, cancellationToken) is { } reseller)
        {
            // The authoritative domain check, right before the customer is created; the address only if it changed since it was verified.
            problems = (await partnerCenter.CheckOnlineAsync(order, reseller, checkDomain: true, cancellationToken)).Problems;
            if (problems.Any(p => p.Code == PartnerCenterOrderChecks.UnavailableCode))
            {
                // Not the order's fault: the step's retries ask again.
                throw new InvalidOperationException(string.Join(" ", problems.Select(p => p.Message)));
            }
        }

        if (problems.Count > 0)
        {
            throw new OrderRefusedException(string.Join(" ", problems.Select(p => $"{p.Field}: {p.Message}")));
        }

        await InjectAsync(OnboardingStep.Validate, orderId, null, cancellationToken);
        if (order.Status == OrderStatus.Submitted)
        {
            var moved = await orders.UpdateAsync(orderId, null, Actor, o => OrderChange.For(o.StartProvisioning(), "provisioning"), cancellationToken);
            if (moved.Value?.CancelRequested == true)
            {
                throw new OrderCancelledException($"Order {orderId} was cancelled.");
            }
        }

        return new OnboardingPlan(orderId, order.CustomerId!, order.LineItems.Count, partnerCenter.Enabled);
    }

    [Function(nameof(OnboardingCreateCustomer))]
    public async Task<OnboardingStepResult> OnboardingCreateCustomer([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        Reseller? reseller = null;
        if (order.ResellerId is not null)
        {
            reseller = await resellers.GetAsync(order.ResellerId, cancellationToken);
            if (reseller is not { Status: ResellerStatus.Active })
            {
                throw new OrderRefusedException($"Reseller {order.ResellerId} is no longer an Active partner.");
            }
        }

        var customer = order.NewCustomer(reseller?.Id, time.GetUtcNow());
        await customers.CreateAsync(customer, reseller, Actor, cancellationToken);
        LogStep(OnboardingStep.CreateCustomer, orderId);
        await InjectAsync(OnboardingStep.CreateCustomer, orderId, null, cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateCustomer, customer.Id);
    }

    [Function(nameof(OnboardingCreateSubscription))]
    public async Task<OnboardingStepResult> OnboardingCreateSubscription([ActivityTrigger] OnboardingLine line, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(line.OrderId, cancellationToken);
        var item = order.LineItems[line.Index];
        var match = (await offers.ShelfForCustomerAsync(order.Customer.Address?.Country, cancellationToken)).Find(item.OfferId, item.CatalogItemId);
        var offer = match.Offer ?? throw new OrderRefusedException(match.Message!);
        Reseller? partner = null;
        if (order.ResellerId is not null)
        {
            partner = await resellers.GetAsync(order.ResellerId, cancellationToken);
            if (partner is not { Status: ResellerStatus.Active })
            {
                throw new OrderRefusedException($"Reseller {order.ResellerId} is no longer an Active partner.");
            }
        }

        var subscription = await subscriptions.CreateAsync(
            Subscription.Purchase(SubscriptionStore.IdForOrderLine(order.Id, line.Index), order.CustomerId!, offer, item.Quantity, item.TermDuration!, item.BillingCycle!, partner, order.Id, time.GetUtcNow()),
            idempotencyKey: null,
            Actor,
            cancellationToken);
        await InjectAsync(OnboardingStep.CreateSubscription, line.OrderId, line.Index, cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateSubscription, subscription.Id);
    }

    /// <summary>
    /// Creates the admin user with a fresh temporary password. The password is encrypted (Data Protection, purpose
    /// bound to the order) and written to the order row by this activity; nothing secret is returned, logged or
    /// put into the orchestration's history.
    /// </summary>
    [Function(nameof(OnboardingCreateAdminUser))]
    public async Task<OnboardingStepResult> OnboardingCreateAdminUser([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        var userName = CustomerNames.AdminUserName(order.DomainPrefix!);
        await customers.AddAdminUserAsync(order.CustomerId!, userName, orderId, Actor, cancellationToken);
        if (order.AdminUserName is null || (order.EncryptedPassword is null && order.SetupInfoReadAt is null))
        {
            var encrypted = PasswordProtector(protection, orderId).Protect(TemporaryPassword.Generate());
            var stored = await orders.UpdateAsync(orderId, null, Actor, o => OrderChange.For(o.RecordAdminUser(userName, encrypted), "admin-user-created"), cancellationToken);
            if (stored.Value is { CancelRequested: true })
            {
                throw new OrderCancelledException($"Order {orderId} was cancelled.");
            }

            if (stored.Outcome != ChangeOutcome.Changed)
            {
                throw new InvalidOperationException($"Order {orderId} could not record its admin user ({stored.Outcome}, {stored.Value?.Status}).");
            }
        }

        LogStep(OnboardingStep.CreateAdminUser, orderId);
        await InjectAsync(OnboardingStep.CreateAdminUser, orderId, null, cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateAdminUser, userName);
    }

    [Function(nameof(OnboardingComplete))]
    public async Task<OnboardingStepResult> OnboardingComplete([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        await InjectAsync(OnboardingStep.Complete, orderId, null, cancellationToken);
        var result = await orders.UpdateAsync(orderId, null, Actor, o => OrderChange.For(o.Complete(time.GetUtcNow()), "completed", [OrderStore.RecordDomainCustomer(o.DomainPrefix!, o.Id, o.CustomerId!)]), cancellationToken);
        switch (result.Value)
        {
            case { Status: OrderStatus.Completed }:
                LogStep(OnboardingStep.Complete, orderId);
                return new OnboardingStepResult(OnboardingStep.Complete, null);
            case { CancelRequested: true }:
                throw new OrderCancelledException($"Order {orderId} was cancelled.");
            default:
                throw new InvalidOperationException($"Order {orderId} could not be completed ({result.Outcome}, {result.Value?.Status}).");
        }
    }

    [Function(nameof(OnboardingRemoveAdminUser))]
    public Task<OnboardingStepResult> OnboardingRemoveAdminUser([ActivityTrigger] string orderId, CancellationToken cancellationToken) =>
        UndoAdminUserAsync(orderId, cancellationToken);

    [Function(nameof(OnboardingRemoveSubscription))]
    public Task<OnboardingStepResult> OnboardingRemoveSubscription([ActivityTrigger] OnboardingLine line, CancellationToken cancellationToken) =>
        UndoSubscriptionAsync(line, cancellationToken);

    [Function(nameof(OnboardingRemoveCustomer))]
    public Task<OnboardingStepResult> OnboardingRemoveCustomer([ActivityTrigger] string orderId, CancellationToken cancellationToken) =>
        UndoCustomerAsync(orderId, cancellationToken);

    /// <summary>Ends the order Failed or Cancelled with its reason, releasing its domain prefix (unless undo failed), in one transaction.</summary>
    [Function(nameof(OnboardingFinishOrder))]
    public Task<OnboardingStepResult> OnboardingFinishOrder([ActivityTrigger] OnboardingFinish finish, CancellationToken cancellationToken) =>
        FinishOrderAsync(finish, cancellationToken);

    /// <summary>
    /// For an order whose orchestration ended without finishing it (failed, terminated): undoes what it may have
    /// provisioned, with the compensation activities' logic, and ends it Failed with <paramref name="reason"/>
    /// (keeping the domain claim when the undo failed). True when the order was ended here.
    /// </summary>
    public async Task<bool> UndoAndFailAsync(Order order, string reason, CancellationToken cancellationToken)
    {
        var keepClaim = false;
        if (order.PartnerCenterCustomerId is not null)
        {
            // Partner Center made the customer: nothing of it can be undone; the order ends Failed with it kept (a resubmit resumes).
            var kept = reason + $" The customer stays in Partner Center (id {order.PartnerCenterCustomerId}) and in Tier2; resubmit the order to resume.";
            var ended = await orders.UpdateAsync(order.Id, null, Actor, o => o.EndKeepingCustomer(OrderStatus.Failed, kept, time.GetUtcNow()) is { } next ? new OrderChange(next, "failed") : null, cancellationToken);
            return ended.Outcome == ChangeOutcome.Changed;
        }

        if (order.Status == OrderStatus.Provisioning && order.CustomerId is not null)
        {
            try
            {
                await UndoAdminUserAsync(order.Id, cancellationToken);
                for (var i = order.LineItems.Count - 1; i >= 0; i--)
                {
                    await UndoSubscriptionAsync(new OnboardingLine(order.Id, i), cancellationToken);
                }

                await UndoCustomerAsync(order.Id, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogUndoFailed(ex, order.Id);
                keepClaim = true;
                reason += UndoFailedSuffix(order.InstanceId ?? OrderStore.InstanceIdFor(order.Id));
            }
        }

        var before = order.Status;
        await FinishOrderAsync(new OnboardingFinish(order.Id, OrderStatus.Failed, reason, keepClaim), cancellationToken);
        return (await orders.GetAsync(order.Id, cancellationToken)) is { Status: OrderStatus.Failed } after && before != after.Status;
    }

    private async Task<OnboardingStepResult> UndoAdminUserAsync(string orderId, CancellationToken cancellationToken)
    {
        await InjectUndoAsync(OnboardingStep.CreateAdminUser, orderId, null, cancellationToken);
        var order = await orders.GetAsync(orderId, cancellationToken) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
        await customers.RemoveAdminUserAsync(order.CustomerId!, CustomerNames.AdminUserName(order.DomainPrefix!), Actor, cancellationToken);
        await orders.UpdateAsync(orderId, null, Actor, o => o.AdminUserName is null && o.EncryptedPassword is null
            ? null
            : new OrderChange(o with { AdminUserName = null, EncryptedPassword = null }, "admin-user-removed"), cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateAdminUser, null);
    }

    private async Task<OnboardingStepResult> UndoSubscriptionAsync(OnboardingLine line, CancellationToken cancellationToken)
    {
        await InjectUndoAsync(OnboardingStep.CreateSubscription, line.OrderId, line.Index, cancellationToken);
        var order = await orders.GetAsync(line.OrderId, cancellationToken) ?? throw new InvalidOperationException($"Order {line.OrderId} does not exist.");
        var id = SubscriptionStore.IdForOrderLine(order.Id, line.Index);
        await subscriptions.DeleteAsync(order.CustomerId!, id, Actor, $"order {order.Id} undone", cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateSubscription, id);
    }

    private async Task<OnboardingStepResult> UndoCustomerAsync(string orderId, CancellationToken cancellationToken)
    {
        await InjectUndoAsync(OnboardingStep.CreateCustomer, orderId, null, cancellationToken);
        var order = await orders.GetAsync(orderId, cancellationToken) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
        await customers.DeleteAsync(order.CustomerId!, Actor, $"order {order.Id} undone", cancellationToken);
        return new OnboardingStepResult(OnboardingStep.CreateCustomer, order.CustomerId);
    }

    private async Task<OnboardingStepResult> FinishOrderAsync(OnboardingFinish finish, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var order = await orders.GetAsync(finish.OrderId, cancellationToken) ?? throw new InvalidOperationException($"Order {finish.OrderId} does not exist.");
            var ended = order.End(finish.Status, finish.Reason, time.GetUtcNow());
            if (!ended.Moved)
            {
                break;
            }

            var holder = order.DomainPrefix is null ? null : await orders.DomainHolderAsync(order.DomainPrefix, cancellationToken);
            // When undo failed the claim stays: what is left still uses the prefix until an operator removes it.
            var also = !finish.KeepDomainClaim && holder is { } h && h.OrderId == order.Id ? new[] { OrderStore.ReleaseDomain(order.DomainPrefix!, h.ETag) } : [];
            // ETag-guarded by the order just read, so the transition decided above is the one written.
            var result = await orders.UpdateAsync(order.Id, order.ETag, Actor, _ => new OrderChange(ended.Next!, finish.Status == OrderStatus.Cancelled ? "cancelled" : "failed", also), cancellationToken);
            if (result.Outcome == ChangeOutcome.Changed)
            {
                LogFinished(finish.OrderId, finish.Status);
                break;
            }
        }

        return new OnboardingStepResult(OnboardingStep.Complete, finish.Status.ToString());
    }

    private async Task<Order> LiveOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(orderId, cancellationToken) ?? throw new OrderRefusedException($"Order {orderId} does not exist.");
        if (order.CancelRequested)
        {
            throw new OrderCancelledException($"Order {orderId} was cancelled.");
        }

        if (order.Status is not (OrderStatus.Submitted or OrderStatus.Provisioning) || order.CustomerId is null || order.DomainPrefix is null)
        {
            throw new OrderRefusedException($"Order {orderId} is {order.Status}; only a submitted order is provisioned.");
        }

        return order;
    }

    private Task InjectUndoAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
        faults?.OnUndoAsync(step, orderId, lineIndex, cancellationToken) ?? Task.CompletedTask;

    private Task InjectAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
        faults?.OnStepAsync(step, orderId, lineIndex, cancellationToken) ?? Task.CompletedTask;

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Onboarding step {Step} done for order {OrderId}")]
    private partial void LogStep(OnboardingStep step, string orderId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Undoing what order {OrderId} had provisioned failed; an operator must remove what is left")]
    private partial void LogUndoFailed(Exception exception, string orderId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Order {OrderId} ended {Status}")]
    private partial void LogFinished(string orderId, OrderStatus status);
}
