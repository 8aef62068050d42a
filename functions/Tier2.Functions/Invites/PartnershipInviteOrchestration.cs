using System.Text.Json.Serialization;
using Tier2.Durable;

namespace Tier2.Functions.Invites;

public sealed record InviteWorkflowInput(string InviteId, InviteDelivery Delivery, string? SealedToken, DateTimeOffset RemindAt, DateTimeOffset ExpiresAt, string? CorrelationId);

[JsonConverter(typeof(JsonStringEnumConverter<InviteSignalKind>))]
public enum InviteSignalKind
{
    Accepted,
    Declined,
    Revoked,
    Resent,
}

/// <summary>What reaches the running orchestration from the API and the invite page (event <see cref="PartnershipInviteOrchestration.SignalEvent"/>).</summary>
public sealed record InviteSignal(InviteSignalKind Kind, string? SealedToken = null, DateTimeOffset? RemindAt = null, DateTimeOffset? ExpiresAt = null);

public sealed record InviteOutcome(string InviteId, InviteStatus Status, string? ResellerId);

[JsonConverter(typeof(JsonStringEnumConverter<InviteEmailKind>))]
public enum InviteEmailKind
{
    Invitation,
    Reminder,
    Welcome,
    ProviderNotice,
}

public sealed record InviteEmailRequest(string InviteId, InviteEmailKind Kind, string? SealedToken);

/// <param name="Status">The invite's status as the step found it (lets the orchestration act on the store when a signal is late or lost).</param>
/// <param name="ExpiresAt">The invite's expiry as the step found it (a resend moves it).</param>
public sealed record InviteStepResult(bool Done, string? Reason, InviteStatus? Status = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// <c>PartnershipInvite</c>: send the invite -> wait for the reseller's answer, racing the reminder and expiry
/// timers -> remind once -> on accept activate the reseller and email a welcome and a notice to the provider;
/// on decline, revoke or expiry just settle the invite. A resend (new token, new timers) arrives as a signal.
/// </summary>
public static class PartnershipInviteOrchestration
{
    public const string Name = "PartnershipInvite";
    public const string SignalEvent = "InviteSignal";

    private static readonly RetryPolicy EmailRetry = new(maxAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5));
    private static readonly RetryPolicy StoreRetry = new(maxAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30));

    public static async Task<InviteOutcome> RunAsync(OrchestrationContext context, InviteWorkflowInput input)
    {
        var sealedToken = input.SealedToken;
        var remindAt = input.RemindAt;
        var expiresAt = input.ExpiresAt;
        var sendEmails = input.Delivery == InviteDelivery.Email;
        var reminded = false;

        if (sendEmails)
        {
            context.SetCustomStatus("sending");
            await context.CallActivityAsync<InviteStepResult>(InviteActivities.SendEmail, new InviteEmailRequest(input.InviteId, InviteEmailKind.Invitation, sealedToken), EmailRetry);
        }

        // One wait for the reseller's signal lives across timer rounds: a new wait each round would leave the
        // old one first in line, and it would swallow the signal.
        Task<InviteSignal>? signal = null;
        while (true)
        {
            context.SetCustomStatus(reminded ? "reminded" : "waiting");
            using var timerCancellation = new CancellationTokenSource();
            var remind = sendEmails && !reminded && remindAt < expiresAt;
            var timer = context.CreateTimer((remind ? remindAt : expiresAt).UtcDateTime, timerCancellation.Token);
            signal ??= context.WaitForExternalEvent<InviteSignal>(SignalEvent);
            var winner = await Task.WhenAny(signal, timer);

            if (winner == timer)
            {
                if (remind)
                {
                    reminded = true;
                    await context.CallActivityAsync<InviteStepResult>(InviteActivities.SendEmail, new InviteEmailRequest(input.InviteId, InviteEmailKind.Reminder, sealedToken), EmailRetry);
                    continue;
                }

                var expired = await context.CallActivityAsync<InviteStepResult>(InviteActivities.Expire, input.InviteId, StoreRetry);
                if (expired.Done)
                {
                    return new InviteOutcome(input.InviteId, InviteStatus.Expired, null);
                }

                // Not expired: the store says what happened, whether or not its signal ever arrives.
                switch (expired.Status)
                {
                    case InviteStatus.Accepted:
                        return await AcceptAsync(context, input.InviteId);
                    case InviteStatus.Declined or InviteStatus.Revoked or InviteStatus.Expired:
                        return new InviteOutcome(input.InviteId, expired.Status.Value, null);
                    default:
                        // Still Pending: it was resent, so its expiry moved.
                        expiresAt = expired.ExpiresAt ?? context.CurrentUtcDateTime.AddMinutes(1);
                        reminded = true;
                        continue;
                }
            }

            // Synchronous on purpose: orchestrator code must stay on the replay thread (CancelAsync would not).
#pragma warning disable CA1849
            timerCancellation.Cancel();
#pragma warning restore CA1849
            var received = await signal;
            signal = null;
            switch (received.Kind)
            {
                case InviteSignalKind.Accepted:
                    return await AcceptAsync(context, input.InviteId);
                case InviteSignalKind.Declined:
                    return new InviteOutcome(input.InviteId, InviteStatus.Declined, null);
                case InviteSignalKind.Revoked:
                    return new InviteOutcome(input.InviteId, InviteStatus.Revoked, null);
                case InviteSignalKind.Resent:
                    sealedToken = received.SealedToken;
                    remindAt = received.RemindAt ?? remindAt;
                    expiresAt = received.ExpiresAt ?? expiresAt;
                    reminded = false;
                    if (sendEmails)
                    {
                        await context.CallActivityAsync<InviteStepResult>(InviteActivities.SendEmail, new InviteEmailRequest(input.InviteId, InviteEmailKind.Invitation, sealedToken), EmailRetry);
                    }

                    continue;
            }
        }
    }

    private static async Task<InviteOutcome> AcceptAsync(OrchestrationContext context, string inviteId)
    {
        context.SetCustomStatus("activating");
        var activated = await context.CallActivityAsync<InviteOutcome>(InviteActivities.ActivateReseller, inviteId, StoreRetry);
        await Task.WhenAll(
            context.CallActivityAsync<InviteStepResult>(InviteActivities.SendEmail, new InviteEmailRequest(inviteId, InviteEmailKind.Welcome, null), EmailRetry),
            context.CallActivityAsync<InviteStepResult>(InviteActivities.SendEmail, new InviteEmailRequest(inviteId, InviteEmailKind.ProviderNotice, null), EmailRetry));
        return activated;
    }
}
