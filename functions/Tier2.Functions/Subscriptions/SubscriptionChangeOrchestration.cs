using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.Subscriptions;

/// <summary>
/// <c>SubscriptionChange</c> (input: <see cref="SubscriptionChangeTarget"/>; instance id
/// <see cref="SubscriptionChanges.InstanceId"/>): the activity-with-retries pattern. The HTTP request stored the change
/// on the subscription row first; this applies it in Partner Center, retrying what Partner Center could not do now
/// (the activity records a refusal itself and returns), and after the last retry records that it failed.
/// </summary>
public static class SubscriptionChangeOrchestration
{
    public const string Name = "SubscriptionChange";

    public static readonly Activity<SubscriptionChangeTarget, PartnerCenterSyncOutcome?> Apply = new(nameof(SubscriptionChangeActivities.SubscriptionChangeApply));
    public static readonly Activity<SubscriptionChangeFailure, bool> GiveUp = new(nameof(SubscriptionChangeActivities.SubscriptionChangeGiveUp));

    /// <summary>Only outages, throttling and lost answers reach here (a refusal is recorded, not thrown): all worth retrying.</summary>
    internal static readonly TaskOptions ApplyRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1)));

    [Function(Name)]
    public static async Task<PartnerCenterSyncOutcome?> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.GetInput<SubscriptionChangeTarget>() ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no input.");
        try
        {
            return await context.CallAsync(Apply, target, ApplyRetry);
        }
        catch (TaskFailedException ex)
        {
            await context.CallAsync(GiveUp, new SubscriptionChangeFailure(target, ex.FailureDetails.ErrorType), ApplyRetry);
            return PartnerCenterSyncOutcome.Failed;
        }
    }
}

/// <summary>The <c>SubscriptionChange</c> activities, over <see cref="SubscriptionChanges"/>.</summary>
public sealed class SubscriptionChangeActivities(SubscriptionChanges changes)
{
    [Function(nameof(SubscriptionChangeApply))]
    public Task<PartnerCenterSyncOutcome?> SubscriptionChangeApply([ActivityTrigger] SubscriptionChangeTarget target, CancellationToken cancellationToken) =>
        changes.ApplyAsync(target, cancellationToken);

    [Function(nameof(SubscriptionChangeGiveUp))]
    public async Task<bool> SubscriptionChangeGiveUp([ActivityTrigger] SubscriptionChangeFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        await changes.GiveUpAsync(failure.Target, failure.ErrorType, cancellationToken);
        return true;
    }
}

/// <param name="ErrorType">The last failure's exception type (its message stays in the history and the logs).</param>
public sealed record SubscriptionChangeFailure(SubscriptionChangeTarget Target, string ErrorType);
