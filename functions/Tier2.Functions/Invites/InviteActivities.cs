using Microsoft.Extensions.Options;
using Tier2.Durable;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

/// <summary>
/// The steps of <see cref="PartnershipInviteOrchestration"/>. Each is safe to run twice: emails carry the
/// activity's idempotency key (the ACS <c>Operation-Id</c>), and store changes check the invite's state first.
/// </summary>
public sealed partial class InviteActivities(
    InviteStore invites,
    ResellerStore resellers,
    InviteTokens tokens,
    InviteEmails emails,
    IEmailSender sender,
    IOptions<AppOptions> app,
    TimeProvider time,
    ILogger<InviteActivities> logger)
{
    public const string SendEmail = "SendInviteEmail";
    public const string Expire = "ExpireInvite";
    public const string ActivateReseller = "ActivatePartnerReseller";
    private const string Actor = "orchestration:" + PartnershipInviteOrchestration.Name;

    public async Task<InviteStepResult> SendEmailAsync(ActivityContext context, InviteEmailRequest request, CancellationToken cancellationToken)
    {
        var invite = await invites.GetAsync(request.InviteId, cancellationToken) ?? throw new InvalidOperationException($"Invite {request.InviteId} does not exist.");
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

            case InviteEmailKind.ProviderNotice:
                {
                    var reseller = await resellers.GetAsync(invite.ResellerId, cancellationToken) ?? throw new InvalidOperationException($"Reseller {invite.ResellerId} does not exist.");
                    message = emails.ProviderNotice(reseller).ToMessage(app.Value.ProviderEmail, app.Value.ProviderName);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown email kind.");
        }

        await sender.SendAsync(message, context.IdempotencyKey, cancellationToken);
        LogSent(request.Kind, invite.Id);

        if (request.Kind is InviteEmailKind.Invitation or InviteEmailKind.Reminder)
        {
            var now = time.GetUtcNow();
            await invites.UpdateAsync(invite.Id, Actor, request.Kind == InviteEmailKind.Invitation ? "sent" : "reminded", current => current.Status != InviteStatus.Pending ? null : request.Kind == InviteEmailKind.Invitation
                ? current with { SentAt = now }
                : current with { RemindedAt = now }, newTokenHash: null, cancellationToken);
        }

        return new InviteStepResult(true, null);
    }

    public async Task<InviteStepResult> ExpireAsync(ActivityContext context, string inviteId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await invites.UpdateAsync(inviteId, Actor, "expired", current =>
            current.Status == InviteStatus.Pending && current.ExpiresAt <= now ? current with { Status = InviteStatus.Expired } : null,
            newTokenHash: null, cancellationToken);
        var done = result.Outcome == ChangeOutcome.Changed;
        return new InviteStepResult(done, result.Value?.Status.ToString(), result.Value?.Status, result.Value?.ExpiresAt);
    }

    public async Task<InviteOutcome> ActivateResellerAsync(ActivityContext context, string inviteId, CancellationToken cancellationToken)
    {
        var invite = await invites.GetAsync(inviteId, cancellationToken) ?? throw new InvalidOperationException($"Invite {inviteId} does not exist.");
        var result = await resellers.ChangeStatusAsync(invite.ResellerId, ResellerStatus.PendingActivation, ResellerStatus.Active, Actor, ifMatch: null, cancellationToken);
        if (result.Outcome == ChangeOutcome.NotFound)
        {
            throw new InvalidOperationException($"Reseller {invite.ResellerId} of accepted invite {inviteId} does not exist.");
        }

        return new InviteOutcome(inviteId, InviteStatus.Accepted, invite.ResellerId);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Sent {Kind} email for invite {InviteId}")]
    private partial void LogSent(InviteEmailKind kind, string inviteId);
}
