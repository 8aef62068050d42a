using Microsoft.DurableTask;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Orders;

/// <summary>
/// <c>CustomerOnboarding</c> with Partner Center Enabled, after Validate: create the customer for the reseller ->
/// attest the Microsoft Customer Agreement -> cart and checkout with the reseller as partner of record -> wait for
/// provisioning (the monitor pattern: a durable timer with back-off, an upper bound) -> complete. Each step is an
/// activity that records its Partner Center ids on the order row and skips what the row says is done, so a retry,
/// a replay after a crash or a resubmit resumes at the first step not done. Compensation is what Partner Center
/// allows: a customer tenant cannot be deleted, so a failure after it was created ends the order Failed with the
/// customer kept and linked. History holds order ids and step results only.
/// </summary>
public static partial class CustomerOnboardingOrchestration
{
    /// <summary>The first wait for provisioning; each next wait doubles, up to <see cref="LongestProvisioningWait"/>.</summary>
    internal static readonly TimeSpan FirstProvisioningWait = TimeSpan.FromSeconds(2);

    internal static readonly TimeSpan LongestProvisioningWait = TimeSpan.FromMinutes(5);

    /// <summary>How long a run waits for Partner Center to provision before it ends Failed (a resubmit waits again).</summary>
    internal static readonly TimeSpan ProvisioningDeadline = TimeSpan.FromHours(4);

    private static async Task<OnboardingOutcome> RunInPartnerCenterAsync(TaskOrchestrationContext context, OnboardingPlan plan, ILogger logger)
    {
        var orderId = plan.OrderId;
        var step = OnboardingStep.CreateCustomer;
        try
        {
            context.SetCustomStatus("creating-customer");
            await context.CallAsync(PartnerCenterOnboardingActivities.CreateCustomer, orderId, StepRetry);

            step = OnboardingStep.AttestAgreement;
            context.SetCustomStatus("attesting-agreement");
            await context.CallAsync(PartnerCenterOnboardingActivities.AttestAgreement, orderId, StepRetry);

            step = OnboardingStep.PlaceOrder;
            context.SetCustomStatus("placing-order");
            await context.CallAsync(PartnerCenterOnboardingActivities.PlaceOrder, orderId, StepRetry);

            step = OnboardingStep.AwaitProvisioning;
            context.SetCustomStatus("awaiting-provisioning");
            if (!await AwaitProvisioningAsync(context, orderId))
            {
                var late = $"Partner Center had not provisioned the order's subscriptions after {ProvisioningDeadline.TotalHours:0} hours; the purchase stands in Partner Center. Resubmit the order to wait again.";
                return await EndInPartnerCenterAsync(context, orderId, OrderStatus.Failed, late, step, "Timeout", logger);
            }

            step = OnboardingStep.Complete;
            await context.CallAsync(PartnerCenterOnboardingActivities.Complete, orderId, StepRetry);
            context.SetCustomStatus("completed");
            LogCompleted(logger, orderId);
            return new OnboardingOutcome(orderId, OrderStatus.Completed, plan.CustomerId, null);
        }
        catch (TaskFailedException failed)
        {
            var cancelled = OnboardingActivities.IsCancellation(failed.FailureDetails);
            var reason = cancelled
                ? "Cancelled on request."
                : OnboardingActivities.FinalFailure(failed.FailureDetails) is { } refusal
                    ? $"Step {step} failed: {refusal.ErrorMessage}"
                    : PartnerCenterFailure(failed.FailureDetails) is { } outage
                        ? $"Step {step} failed: {outage.ErrorMessage}"
                        : OnboardingActivities.InternalFailureReason(step, context.InstanceId);
            return await EndInPartnerCenterAsync(context, orderId, cancelled ? OrderStatus.Cancelled : OrderStatus.Failed, reason, step, failed.FailureDetails.ErrorType, logger);
        }
    }

    /// <summary>
    /// The monitor pattern: ask, and when the subscriptions have no ids yet, sleep on a durable timer (no worker is
    /// held, nothing polls in between) for twice as long as last time, until the deadline. False when it passed.
    /// </summary>
    private static async Task<bool> AwaitProvisioningAsync(TaskOrchestrationContext context, string orderId)
    {
        var deadline = context.CurrentUtcDateTime + ProvisioningDeadline;
        var wait = FirstProvisioningWait;
        while (!await context.CallAsync(PartnerCenterOnboardingActivities.CheckProvisioning, orderId, StepRetry))
        {
            var next = context.CurrentUtcDateTime + wait;
            if (next > deadline)
            {
                return false;
            }

            await context.CreateTimer(next, CancellationToken.None);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestProvisioningWait.Ticks));
        }

        return true;
    }

    private static async Task<OnboardingOutcome> EndInPartnerCenterAsync(TaskOrchestrationContext context, string orderId, OrderStatus status, string reason, OnboardingStep step, string errorType, ILogger logger)
    {
        context.SetCustomStatus(status == OrderStatus.Cancelled ? "cancelling" : "failing");
        var ended = await context.CallAsync(PartnerCenterOnboardingActivities.End, new OnboardingFinish(orderId, status, reason), UndoRetry);
        context.SetCustomStatus(status == OrderStatus.Cancelled ? "cancelled" : "failed");
        LogEnded(logger, orderId, status, step, errorType);
        return new OnboardingOutcome(orderId, status, null, ended.Detail ?? reason);
    }

    /// <summary>A Partner Center outage or throttle that outlasted the retries: its message (status, code, MS-CorrelationId; never a secret) is for callers.</summary>
    private static TaskFailureDetails? PartnerCenterFailure(TaskFailureDetails? failure)
    {
        for (var current = failure; current is not null; current = current.InnerFailure)
        {
            if (string.Equals(current.ErrorType, typeof(PartnerCenterException).FullName, StringComparison.Ordinal))
            {
                return current;
            }
        }

        return null;
    }
}
