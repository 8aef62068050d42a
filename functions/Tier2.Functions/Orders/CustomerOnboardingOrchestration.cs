using System.Text.Json.Serialization;
using Tier2.Durable;

namespace Tier2.Functions.Orders;

[JsonConverter(typeof(JsonStringEnumConverter<OnboardingStep>))]
public enum OnboardingStep
{
    Validate,
    CreateCustomer,
    CreateSubscription,
    CreateAdminUser,
    Complete,
}

public sealed record OnboardingPlan(string OrderId, string CustomerId, int LineCount);

public sealed record OnboardingLine(string OrderId, int Index);

/// <summary>What a step reports back: never a secret (the admin user's password goes to the order row, encrypted, and nowhere else).</summary>
public sealed record OnboardingStepResult(OnboardingStep Step, string? Detail);

/// <param name="KeepDomainClaim">Undo failed: the domain prefix stays claimed until an operator removes what is left.</param>
public sealed record OnboardingFinish(string OrderId, OrderStatus Status, string Reason, bool KeepDomainClaim = false);

public sealed record OnboardingOutcome(string OrderId, OrderStatus Status, string? CustomerId, string? Reason);

/// <summary>
/// <c>CustomerOnboarding</c> (input: the order id): validate -> create the customer (delegated to the reseller) ->
/// create each subscription (the reseller's MPN ID as partner of record) -> create the admin user with a temporary
/// password -> complete. When a step fails (after its retries) or the order is cancelled, the steps already
/// started are undone in reverse order, the failed one included (each undo is idempotent), and the order ends
/// Failed with the reason, or Cancelled.
/// </summary>
public static class CustomerOnboardingOrchestration
{
    public const string Name = "CustomerOnboarding";

    private static readonly RetryPolicy StepRetry = new(
        maxAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30), handle: failure => !OnboardingActivities.IsFinal(failure));

    private static readonly RetryPolicy UndoRetry = new(maxAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30));

    public static async Task<OnboardingOutcome> RunAsync(OrchestrationContext context, string orderId)
    {
        var step = OnboardingStep.Validate;
        var customerStarted = false;
        var subscriptionsStarted = 0;
        var adminUserStarted = false;
        try
        {
            context.SetCustomStatus("validating");
            var plan = await context.CallActivityAsync<OnboardingPlan>(OnboardingActivities.Validate, orderId, StepRetry);

            step = OnboardingStep.CreateCustomer;
            customerStarted = true;
            context.SetCustomStatus("creating-customer");
            await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.CreateCustomer, orderId, StepRetry);

            step = OnboardingStep.CreateSubscription;
            context.SetCustomStatus("creating-subscriptions");
            for (var i = 0; i < plan.LineCount; i++)
            {
                subscriptionsStarted = i + 1;
                await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.CreateSubscription, new OnboardingLine(orderId, i), StepRetry);
            }

            step = OnboardingStep.CreateAdminUser;
            adminUserStarted = true;
            context.SetCustomStatus("creating-admin-user");
            await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.CreateAdminUser, orderId, StepRetry);

            step = OnboardingStep.Complete;
            await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.Complete, orderId, StepRetry);
            context.SetCustomStatus("completed");
            return new OnboardingOutcome(orderId, OrderStatus.Completed, plan.CustomerId, null);
        }
        catch (TaskFailedException failed)
        {
            var cancelled = OnboardingActivities.IsCancellation(failed.Failure);
            var undoFailed = false;

            // Callers see the message of a domain refusal; anything else stays in this instance's history and the logs.
            var reason = cancelled
                ? "Cancelled on request; everything the order had created was undone."
                : OnboardingActivities.IsFinal(failed.Failure)
                    ? $"Step {step} failed: {failed.Failure.ErrorMessage}"
                    : OnboardingActivities.InternalFailureReason(step, context.InstanceId);
            context.SetCustomStatus(cancelled ? "cancelling" : "compensating");
            try
            {
                if (adminUserStarted)
                {
                    await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.RemoveAdminUser, orderId, UndoRetry);
                }

                for (var i = subscriptionsStarted - 1; i >= 0; i--)
                {
                    await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.RemoveSubscription, new OnboardingLine(orderId, i), UndoRetry);
                }

                if (customerStarted)
                {
                    await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.RemoveCustomer, orderId, UndoRetry);
                }
            }
            catch (TaskFailedException)
            {
                cancelled = false;
                undoFailed = true;
                reason += OnboardingActivities.UndoFailedSuffix(context.InstanceId);
            }

            var status = cancelled ? OrderStatus.Cancelled : OrderStatus.Failed;
            await context.CallActivityAsync<OnboardingStepResult>(OnboardingActivities.Finish, new OnboardingFinish(orderId, status, reason, undoFailed), UndoRetry);
            context.SetCustomStatus(status == OrderStatus.Cancelled ? "cancelled" : "failed");
            return new OnboardingOutcome(orderId, status, null, reason);
        }
    }
}
