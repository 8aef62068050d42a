using System.Text.Json.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Email;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.Invites;

/// <param name="Round">
/// Names this token's email steps (<c>invitation-{Round}</c>, <c>reminder-{Round}</c>): 1 for the first invitation, and
/// <c>ResendCount + 1</c> when the input is rebuilt from the invite row, so a restart of the same instance id after a
/// resend does not find the first round's emails in the ledger and skip the new link. A resend signal continues the
/// instance as new with the next round (and the new token and times).
/// </param>
public sealed record InviteWorkflowInput(string InviteId, InviteDelivery Delivery, string? SealedToken, DateTimeOffset RemindAt, DateTimeOffset ExpiresAt, string? CorrelationId, int Round = 1);

[JsonConverter(typeof(JsonStringEnumConverter<InviteSignalKind>))]
public enum InviteSignalKind
{
    Accepted,
    Declined,
    Revoked,
    Resent,
}

/// <summary>What reaches the running orchestration from the API and the invite page (event <see cref="PartnershipInviteOrchestration.SignalEvent"/>).</summary>
/// <param name="Round">For <see cref="InviteSignalKind.Resent"/>: the round the resend starts (the invite's <c>ResendCount + 1</c>); never less than the next one.</param>
public sealed record InviteSignal(InviteSignalKind Kind, string? SealedToken = null, DateTimeOffset? RemindAt = null, DateTimeOffset? ExpiresAt = null, int? Round = null);

/// <param name="AwaitingPartnerCenter">The reseller accepted but waits for Partner Center (it is told what to do there).</param>
public sealed record InviteOutcome(string InviteId, InviteStatus Status, string? ResellerId, bool AwaitingPartnerCenter = false);

[JsonConverter(typeof(JsonStringEnumConverter<InviteEmailKind>))]
public enum InviteEmailKind
{
    Invitation,
    Reminder,
    Welcome,
    ProviderNotice,

    /// <summary>To a reseller that accepted while Partner Center does not list it yet: what it still has to do there.</summary>
    AwaitingPartnerCenter,
}

/// <param name="InstanceId">The orchestration instance that sends the email.</param>
/// <param name="Step">The email's step, unique within the instance (<c>invitation-1</c>, <c>reminder-1</c>, <c>welcome</c>...).</param>
/// <param name="CorrelationId">The trace id of the request that started the invite: the email carries it.</param>
public sealed record InviteEmailRequest(string InviteId, InviteEmailKind Kind, string? SealedToken, string InstanceId, string Step, string? CorrelationId = null)
{
    /// <summary>Names this email across re-runs of its activity: the ledger's key and the sender's idempotency key.</summary>
    [JsonIgnore]
    public string IdempotencyKey => SentEmailLedger.Key(InstanceId, Step);
}

/// <param name="Status">The invite's status as the step found it (lets the orchestration act on the store when a signal is late or lost).</param>
/// <param name="ExpiresAt">The invite's expiry as the step found it (a resend moves it).</param>
public sealed record InviteStepResult(bool Done, string? Reason, InviteStatus? Status = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// <c>PartnershipInvite</c>: send the invite -> wait for the reseller's answer, racing the reminder and expiry
/// timers -> remind once -> on accept activate the reseller and email a welcome and a notice to the provider;
/// on decline, revoke or expiry just settle the invite. A resend (new token, new timers) arrives as a signal.
/// A resend continues the instance as new (its history stays bounded however often an invite is resent; signals
/// not yet processed carry over) with the next <see cref="InviteWorkflowInput.Round"/>. Each email is a step named
/// within the instance (<c>invitation-{round}</c>, <c>reminder-{round}</c>, <c>welcome</c>, <c>provider-notice</c>),
/// so a re-run of its activity sends it once.
/// </summary>
public static partial class PartnershipInviteOrchestration
{
    public const string Name = "PartnershipInvite";
    public const string SignalEvent = "InviteSignal";

    internal static readonly TaskOptions EmailRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    /// <summary>Activation asks Partner Center when it is Enabled: its client retries a call briefly; these retries outlast an outage of minutes.</summary>
    internal static readonly TaskOptions PartnerCenterRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(10), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    internal static readonly TaskOptions StoreRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    [Function(Name)]
    public static async Task<InviteOutcome> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.GetInput<InviteWorkflowInput>() ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no input.");
        var logger = context.CreateReplaySafeLogger(Name);
        var outcome = await RunAsync(context, input);
        if (outcome is null)
        {
            // Continued as new (a resend): this generation's output is discarded.
            return null!;
        }

        LogOutcome(logger, input.InviteId, outcome.Status);
        return outcome;
    }

    /// <summary>The outcome, or null when the instance continues as new (a resend).</summary>
    private static async Task<InviteOutcome?> RunAsync(TaskOrchestrationContext context, InviteWorkflowInput input)
    {
        var sealedToken = input.SealedToken;
        var remindAt = input.RemindAt;
        var expiresAt = input.ExpiresAt;
        var sendEmails = input.Delivery == InviteDelivery.Email;
        var reminded = false;

        // One round per token: the first invitation, then each resend. Email steps are named by round.
        var round = input.Round;

        if (sendEmails)
        {
            context.SetCustomStatus("sending");
            await SendAsync(context, Email(context, input.InviteId, InviteEmailKind.Invitation, sealedToken, $"invitation-{round}"));
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
                    await SendAsync(context, Email(context, input.InviteId, InviteEmailKind.Reminder, sealedToken, $"reminder-{round}"));
                    continue;
                }

                var expired = await context.CallAsync(InviteActivities.Expire, input.InviteId, StoreRetry);
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
                        expiresAt = expired.ExpiresAt ?? new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero).AddMinutes(1);
                        reminded = true;
                        continue;
                }
            }

            // Synchronous on purpose: orchestrator code must stay on the orchestration's thread (CancelAsync would not).
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
                    // The next round starts over: send the new token (when emailing), then the reminder and expiry timers anew.
                    context.ContinueAsNew(input with
                    {
                        SealedToken = received.SealedToken,
                        RemindAt = received.RemindAt ?? remindAt,
                        ExpiresAt = received.ExpiresAt ?? expiresAt,
                        Round = Math.Max(received.Round ?? 0, round + 1),
                    }, preserveUnprocessedEvents: true);
                    return null;
            }
        }
    }

    private static async Task<InviteOutcome> AcceptAsync(TaskOrchestrationContext context, string inviteId)
    {
        context.SetCustomStatus("activating");
        InviteOutcome activated;
        try
        {
            // With Partner Center Enabled this step asks it (retried on throttling and outages)...
            activated = await context.CallAsync(InviteActivities.ActivateReseller, inviteId, PartnerCenterRetry);
        }
        catch (TaskFailedException failed)
        {
            // ...and when it still cannot, the reseller waits for the sync instead of the invite failing.
            activated = await context.CallAsync(InviteActivities.AwaitPartnerCenter, new InviteFailure(inviteId, $"Partner Center could not be asked: {failed.FailureDetails.ErrorMessage}"), StoreRetry);
        }

        var toReseller = activated.AwaitingPartnerCenter
            ? Email(context, inviteId, InviteEmailKind.AwaitingPartnerCenter, null, "awaiting-partner-center")
            : Email(context, inviteId, InviteEmailKind.Welcome, null, "welcome");
        await Task.WhenAll(
            SendAsync(context, toReseller),
            SendAsync(context, Email(context, inviteId, InviteEmailKind.ProviderNotice, null, "provider-notice")));
        return activated;
    }

    /// <summary>
    /// Sends one email (with its retries). An email that still fails is written on the invite (its
    /// <see cref="Invite.FailureReason"/>, for the provider to see) and the orchestration ends Failed with the same
    /// reason: it never waits on, nor retries for ever, a step that cannot succeed. A resend starts over.
    /// </summary>
    private static async Task SendAsync(TaskOrchestrationContext context, InviteEmailRequest request)
    {
        try
        {
            await context.CallAsync(InviteActivities.SendEmail, request, EmailRetry);
        }
        catch (TaskFailedException failed)
        {
            var reason = $"The {request.Kind} email ({request.Step}) could not be sent: {failed.FailureDetails.ErrorMessage}";
            await context.CallAsync(InviteActivities.RecordFailure, new InviteFailure(request.InviteId, reason), StoreRetry);
            throw new InviteEmailFailedException(reason, failed);
        }
    }

    private static InviteEmailRequest Email(TaskOrchestrationContext context, string inviteId, InviteEmailKind kind, string? sealedToken, string step) =>
        new(inviteId, kind, sealedToken, context.InstanceId, step, context.GetInput<InviteWorkflowInput>()?.CorrelationId);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Invite {InviteId} settled {Status}")]
    private static partial void LogOutcome(ILogger logger, string inviteId, InviteStatus status);
}

/// <summary>What went wrong with an invite's step, for <see cref="Invite.FailureReason"/>.</summary>
public sealed record InviteFailure(string InviteId, string Reason);

/// <summary>An invite's email could not be sent after its retries: the orchestration ends Failed with this reason.</summary>
public sealed class InviteEmailFailedException : Exception
{
    public InviteEmailFailedException()
    {
    }

    public InviteEmailFailedException(string message)
        : base(message)
    {
    }

    public InviteEmailFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
