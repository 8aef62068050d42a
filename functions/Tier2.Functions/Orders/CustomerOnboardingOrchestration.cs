using System.Text.Json.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.Orders;

[JsonConverter(typeof(JsonStringEnumConverter<OnboardingStep>))]
public enum OnboardingStep
{
    Validate,
    CreateCustomer,
    CreateSubscription,
    CreateAdminUser,
    Complete,
    AttestAgreement,
    PlaceOrder,
    AwaitProvisioning,
}

/// <param name="InPartnerCenter">PartnerCenter__Mode is Enabled: the steps happen in Partner Center (see <c>CustomerOnboardingOrchestration.PartnerCenter.cs</c>).</param>
public sealed record OnboardingPlan(string OrderId, string CustomerId, int LineCount, bool InPartnerCenter = false);

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
public static partial class CustomerOnboardingOrchestration
{
    public const string Name = "CustomerOnboarding";

    /// <summary>A refusal or a cancellation is not retried: a retry cannot fix it.</summary>
    internal static readonly TaskOptions StepRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30))
    {
        HandleFailure = failure => !OnboardingActivities.IsFinal(failure),
    });

    internal static readonly TaskOptions UndoRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    [Function(Name)]
    public static async Task<OnboardingOutcome> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var orderId = context.GetInput<string>() ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no order id.");
        var logger = context.CreateReplaySafeLogger(Name);
        var step = OnboardingStep.Validate;
        var customerStarted = false;
        var subscriptionsStarted = 0;
        var adminUserStarted = false;
        try
        {
            context.SetCustomStatus("validating");
            var plan = await context.CallAsync(OnboardingActivities.Validate, orderId, StepRetry);
            if (plan.InPartnerCenter)
            {
                return await RunInPartnerCenterAsync(context, plan, logger);
            }

            step = OnboardingStep.CreateCustomer;
            customerStarted = true;
            context.SetCustomStatus("creating-customer");
            await context.CallAsync(OnboardingActivities.CreateCustomer, orderId, StepRetry);

            step = OnboardingStep.CreateSubscription;
            context.SetCustomStatus("creating-subscriptions");
            for (var i = 0; i < plan.LineCount; i++)
            {
                subscriptionsStarted = i + 1;
                await context.CallAsync(OnboardingActivities.CreateSubscription, new OnboardingLine(orderId, i), StepRetry);
            }

            step = OnboardingStep.CreateAdminUser;
            adminUserStarted = true;
            context.SetCustomStatus("creating-admin-user");
            await context.CallAsync(OnboardingActivities.CreateAdminUser, orderId, StepRetry);

            step = OnboardingStep.Complete;
            await context.CallAsync(OnboardingActivities.Complete, orderId, StepRetry);
            context.SetCustomStatus("completed");
            LogCompleted(logger, orderId);
            return new OnboardingOutcome(orderId, OrderStatus.Completed, plan.CustomerId, null);
        }
        catch (TaskFailedException failed)
        {
            var cancelled = OnboardingActivities.IsCancellation(failed.FailureDetails);
            var undoFailed = false;

            // Callers see the message of a domain refusal; anything else stays in this instance's history and the logs.
            var reason = cancelled
                ? "Cancelled on request; everything the order had created was undone."
                : OnboardingActivities.FinalFailure(failed.FailureDetails) is { } refusal
                    ? $"Step {step} failed: {refusal.ErrorMessage}"
                    : OnboardingActivities.InternalFailureReason(step, context.InstanceId);
            context.SetCustomStatus(cancelled ? "cancelling" : "compensating");
            try
            {
                if (adminUserStarted)
                {
                    await context.CallAsync(OnboardingActivities.RemoveAdminUser, orderId, UndoRetry);
                }

                for (var i = subscriptionsStarted - 1; i >= 0; i--)
                {
                    await context.CallAsync(OnboardingActivities.RemoveSubscription, new OnboardingLine(orderId, i), UndoRetry);
                }

                if (customerStarted)
                {
                    await context.CallAsync(OnboardingActivities.RemoveCustomer, orderId, UndoRetry);
                }
            }
            catch (TaskFailedException undo)
            {
                cancelled = false;
                undoFailed = true;
                reason += OnboardingActivities.UndoFailedSuffix(context.InstanceId);
                LogUndoFailed(logger, orderId, undo.TaskName, undo.FailureDetails.ErrorType);
            }

            var status = cancelled ? OrderStatus.Cancelled : OrderStatus.Failed;
            await context.CallAsync(OnboardingActivities.Finish, new OnboardingFinish(orderId, status, reason, undoFailed), UndoRetry);
            context.SetCustomStatus(status == OrderStatus.Cancelled ? "cancelled" : "failed");
            LogEnded(logger, orderId, status, step, failed.FailureDetails.ErrorType);
            return new OnboardingOutcome(orderId, status, null, reason);
        }
    }

    [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Onboarding of order {OrderId} completed")]
    private static partial void LogCompleted(ILogger logger, string orderId);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Onboarding of order {OrderId} ended {Status} at step {Step} ({ErrorType})")]
    private static partial void LogEnded(ILogger logger, string orderId, OrderStatus status, OnboardingStep step, string errorType);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Error, Message = "Undoing onboarding of order {OrderId} failed at {Activity} ({ErrorType}); an operator must remove what is left")]
    private static partial void LogUndoFailed(ILogger logger, string orderId, string activity, string errorType);
}
