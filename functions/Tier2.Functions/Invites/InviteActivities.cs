using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

/// <summary>
/// The steps of <see cref="PartnershipInviteOrchestration"/>, as activity functions (an instance per invocation).
/// Each is safe to run twice: an email is looked up in the <see cref="SentEmailLedger"/> by its (instance, step)
/// before it is sent and recorded there after, and carries the same key to the sender (the ACS <c>Operation-Id</c>);
/// store changes check the invite's state first.
/// </summary>
public sealed partial class InviteActivities(
    InviteStore invites,
    ResellerStore resellers,
    ResellerActivation activation,
    InviteTokens tokens,
    InviteEmails emails,
    IEmailSender sender,
    SentEmailLedger ledger,
    IOptions<AppOptions> app,
    TimeProvider time,
    ILogger<InviteActivities> logger)
{
    public static readonly Activity<InviteEmailRequest, InviteStepResult> SendEmail = new(nameof(SendInviteEmail));
    public static readonly Activity<string, InviteStepResult> Expire = new(nameof(ExpireInvite));
    public static readonly Activity<string, InviteOutcome> ActivateReseller = new(nameof(ActivatePartnerReseller));
    public static readonly Activity<InviteFailure, bool> RecordFailure = new(nameof(RecordInviteFailure));
    public static readonly Activity<InviteFailure, InviteOutcome> AwaitPartnerCenter = new(nameof(AwaitPartnerCenterForReseller));
    private const string Actor = "orchestration:" + PartnershipInviteOrchestration.Name;

    [Function(nameof(SendInviteEmail))]
    public async Task<InviteStepResult> SendInviteEmail([ActivityTrigger] InviteEmailRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var trace = Telemetry.ContinueTrace(nameof(SendInviteEmail), request.CorrelationId);
        var invite = await invites.GetAsync(request.InviteId, cancellationToken) ?? throw new InvalidOperationException($"Invite {request.InviteId} does not exist.");

        // An earlier run of this step sent it (and crashed before it could report): send nothing, finish its bookkeeping.
        if (await ledger.FindAsync(request.InstanceId, request.Step, cancellationToken) is { } sent)
        {
            LogAlreadySent(request.Kind, invite.Id, request.Step);
            await RecordSentAsync(invite.Id, request.Kind, sent.SentAt, cancellationToken);
            return new InviteStepResult(true, null);
        }

        EmailMessage message;
        switch (request.Kind)
        {
            case InviteEmailKind.Invitation or InviteEmailKind.Reminder:
                if (!invite.IsLive(time.GetUtcNow()))
                {
                    return new InviteStepResult(false, $"invite is {invite.Status}");
                }

                string token;
                try
                {
                    token = tokens.Unseal(request.SealedToken ?? throw new InvalidOperationException("No token to send."));
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // The sealed token expired with the invite, or the invite was resent since: nothing to send.
                    return new InviteStepResult(false, "token no longer current");
                }

                if (!string.Equals(InviteTokens.Hash(token), invite.TokenHash, StringComparison.Ordinal))
                {
                    return new InviteStepResult(false, "token no longer current");
                }

                message = request.Kind == InviteEmailKind.Invitation
                    ? emails.Invitation(invite, emails.Link(token)).ToMessage(invite.Email, invite.CompanyName)
                    : emails.Reminder(invite, emails.Link(token)).ToMessage(invite.Email, invite.CompanyName);
                break;
            case InviteEmailKind.Welcome:
                {
                    var reseller = await resellers.GetAsync(invite.ResellerId, cancellationToken) ?? throw new InvalidOperationException($"Reseller {invite.ResellerId} does not exist.");
                    message = emails.Welcome(reseller).ToMessage(reseller.ContactEmail, reseller.ContactName);
                    break;
                }

            case InviteEmailKind.AwaitingPartnerCenter:
                {
                    var reseller = await resellers.GetAsync(invite.ResellerId, cancellationToken) ?? throw new InvalidOperationException($"Reseller {invite.ResellerId} does not exist.");
                    message = emails.AwaitingPartnerCenter(reseller).ToMessage(reseller.ContactEmail, reseller.ContactName);
                    break;
                }

            case InviteEmailKind.ProviderNotice:
                {
                    var reseller = await resellers.GetAsync(invite.ResellerId, cancellationToken) ?? throw new InvalidOperationException($"Reseller {invite.ResellerId} does not exist.");
                    message = emails.ProviderNotice(reseller).ToMessage(app.Value.ProviderEmail, app.Value.ProviderName);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown email kind.");
        }

        var result = await sender.SendAsync(message, request.IdempotencyKey, cancellationToken);
        var recorded = await ledger.RecordAsync(new SentEmail(request.InstanceId, request.Step, message.To, message.Subject, result.ProviderMessageId, time.GetUtcNow()), cancellationToken);
        LogSent(request.Kind, invite.Id);
        await RecordSentAsync(invite.Id, request.Kind, recorded.SentAt, cancellationToken);
        return new InviteStepResult(true, null);
    }

    [Function(nameof(ExpireInvite))]
    public async Task<InviteStepResult> ExpireInvite([ActivityTrigger] string inviteId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await invites.UpdateAsync(inviteId, Actor, "expired", current => current.Expire(now), newTokenHash: null, cancellationToken);
        var done = result.Outcome == ChangeOutcome.Changed;
        return new InviteStepResult(done, result.Value?.Status.ToString(), result.Value?.Status, result.Value?.ExpiresAt);
    }

    [Function(nameof(ActivatePartnerReseller))]
    public async Task<InviteOutcome> ActivatePartnerReseller([ActivityTrigger] string inviteId, CancellationToken cancellationToken)
    {
        var invite = await invites.GetAsync(inviteId, cancellationToken) ?? throw new InvalidOperationException($"Invite {inviteId} does not exist.");
        var reseller = await activation.ActivateAsync(invite.ResellerId, Actor, cancellationToken);
        return new InviteOutcome(inviteId, InviteStatus.Accepted, invite.ResellerId, reseller.Status == ResellerStatus.AwaitingPartnerCenter);
    }

    /// <summary>Activation could not ask Partner Center after its retries: the reseller waits for the sync, with the reason.</summary>
    [Function(nameof(AwaitPartnerCenterForReseller))]
    public async Task<InviteOutcome> AwaitPartnerCenterForReseller([ActivityTrigger] InviteFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var invite = await invites.GetAsync(failure.InviteId, cancellationToken) ?? throw new InvalidOperationException($"Invite {failure.InviteId} does not exist.");
        var reseller = await activation.AwaitAsync(invite.ResellerId, ResellerActivation.NotConnectedReason, Actor, cancellationToken);
        LogAwaiting(invite.ResellerId, failure.Reason);
        return new InviteOutcome(failure.InviteId, InviteStatus.Accepted, invite.ResellerId, reseller.Status == ResellerStatus.AwaitingPartnerCenter);
    }

    /// <summary>Writes why a step of the invite failed for good on the invite (the provider sees it; a resend clears it).</summary>
    [Function(nameof(RecordInviteFailure))]
    public async Task<bool> RecordInviteFailure([ActivityTrigger] InviteFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var result = await invites.UpdateAsync(failure.InviteId, Actor, "failed", current => current.RecordFailure(failure.Reason), newTokenHash: null, cancellationToken);
        return result.Outcome == ChangeOutcome.Changed;
    }

    /// <summary>Stamps the invite sent or reminded at <paramref name="sentAt"/> (the ledger's time, so a re-run writes the same), while it is Pending.</summary>
    private async Task RecordSentAsync(string inviteId, InviteEmailKind kind, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case InviteEmailKind.Invitation:
                await invites.UpdateAsync(inviteId, Actor, "sent", current => current.MarkSent(sentAt), newTokenHash: null, cancellationToken);
                break;
            case InviteEmailKind.Reminder:
                await invites.UpdateAsync(inviteId, Actor, "reminded", current => current.MarkReminded(sentAt), newTokenHash: null, cancellationToken);
                break;
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "The {Kind} email for invite {InviteId} (step {Step}) was sent by an earlier run; not sent again")]
    private partial void LogAlreadySent(InviteEmailKind kind, string inviteId, string step);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Reseller {ResellerId} waits for Partner Center: {Reason}")]
    private partial void LogAwaiting(string resellerId, string reason);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Sent {Kind} email for invite {InviteId}")]
    private partial void LogSent(InviteEmailKind kind, string inviteId);
}
