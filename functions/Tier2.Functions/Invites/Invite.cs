using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

[JsonConverter(typeof(JsonStringEnumConverter<InviteStatus>))]
public enum InviteStatus
{
    Pending,
    Accepted,
    Declined,
    Expired,
    Revoked,
}

[JsonConverter(typeof(JsonStringEnumConverter<InviteDelivery>))]
public enum InviteDelivery
{
    /// <summary>Tier2 emails the invite (and a reminder).</summary>
    Email,

    /// <summary>Nothing is sent: the provider gets the draft to open in their email or copy.</summary>
    Draft,
}

/// <summary>A partnership request to an indirect reseller, as stored (the token itself never is; only its SHA-256).</summary>
public sealed record Invite
{
    public required string Id { get; init; }

    public required string Email { get; init; }

    public string? CompanyName { get; init; }

    public string? Message { get; init; }

    public required InviteDelivery Delivery { get; init; }

    public required InviteStatus Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required DateTimeOffset RemindAt { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    public DateTimeOffset? RemindedAt { get; init; }

    public DateTimeOffset? RespondedAt { get; init; }

    public DateTimeOffset? LastTokenIssuedAt { get; init; }

    public int ResendCount { get; init; }

    /// <summary>Why the invite's orchestration failed for good (an email that could not be sent), until a resend starts over.</summary>
    public string? FailureReason { get; init; }

    /// <summary>The reseller id an acceptance creates (reserved up front so a double submit creates one reseller).</summary>
    public required string ResellerId { get; init; }

    public required string InstanceId { get; init; }

    [JsonIgnore]
    public string TokenHash { get; init; } = string.Empty;

    /// <summary>
    /// The current link's token sealed with Data Protection (until the invite expires), for the email steps: with it
    /// the orchestration's input can always be rebuilt from the row, so a crash between storing the invite and
    /// starting its orchestration is repaired by starting it later. Never a usable token at rest.
    /// </summary>
    [JsonIgnore]
    public string? SealedToken { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>Whether the link still works: Pending and not past its expiry (the one expiry rule; <see cref="Expire"/> is its other side).</summary>
    public bool IsLive(DateTimeOffset now) => Status == InviteStatus.Pending && now < ExpiresAt;

    /// <summary>A new Pending invite, its link valid for <see cref="InviteOptions.Expiry"/> from <paramref name="now"/>.</summary>
    /// <param name="sealToken">Seals the link's token until the given expiry, for the email steps (a draft, which Tier2 never sends, keeps none).</param>
    public static Invite Create(
        string id, string email, string? companyName, string? message, InviteDelivery delivery, string createdBy, DateTimeOffset now, InviteOptions options, Func<DateTimeOffset, string> sealToken) => new()
    {
        Id = id,
        Email = email,
        CompanyName = companyName,
        Message = message,
        Delivery = delivery,
        Status = InviteStatus.Pending,
        CreatedAt = now,
        CreatedBy = createdBy,
        ExpiresAt = now + options.Expiry,
        RemindAt = now + options.ReminderAfter,
        LastTokenIssuedAt = now,
        ResellerId = Guid.NewGuid().ToString("N"),
        InstanceId = InviteStore.InstanceIdFor(id),
        SealedToken = delivery == InviteDelivery.Email ? sealToken(now + options.Expiry) : null,
    };

    /// <summary>The reseller accepts through the link whose token hashes to <paramref name="tokenHash"/>, while it is live.</summary>
    public Transition<Invite> Accept(string tokenHash, DateTimeOffset now) => Respond(InviteStatus.Accepted, tokenHash, now);

    /// <summary>The reseller declines through the link whose token hashes to <paramref name="tokenHash"/>, while it is live.</summary>
    public Transition<Invite> Decline(string tokenHash, DateTimeOffset now) => Respond(InviteStatus.Declined, tokenHash, now);

    /// <summary>The provider kills the link. Revoking a revoked invite changes nothing; any other ended invite is refused.</summary>
    public Transition<Invite> Revoke() => Status switch
    {
        InviteStatus.Revoked => Transition<Invite>.Stay(),
        InviteStatus.Pending => Transition<Invite>.To(this with { Status = InviteStatus.Revoked, RespondedAt = null }),
        _ => Transition<Invite>.Refuse($"The invite is {Status}; only a Pending invite can be revoked."),
    };

    /// <summary>A Pending invite whose expiry has passed becomes Expired (its link and address are released).</summary>
    public Transition<Invite> Expire(DateTimeOffset now) => Status switch
    {
        InviteStatus.Expired => Transition<Invite>.Stay(),
        InviteStatus.Pending when ExpiresAt <= now => Transition<Invite>.To(this with { Status = InviteStatus.Expired }),
        InviteStatus.Pending => Transition<Invite>.Refuse($"The invite expires at {ExpiresAt:O}, not yet."),
        _ => Transition<Invite>.Refuse($"The invite is {Status}; only a Pending invite expires."),
    };

    /// <summary>
    /// The provider sends a Pending invite again with a new link (whose token <paramref name="sealToken"/> seals until
    /// the new expiry), no sooner than <see cref="InviteOptions.ResendCooldown"/> after the last link: expiry and
    /// reminder start over, the failure is cleared. Refused inside the cooldown with how long to wait.
    /// </summary>
    public Transition<Invite> Resend(DateTimeOffset now, InviteOptions options, Func<DateTimeOffset, string> sealToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sealToken);
        if (Status != InviteStatus.Pending)
        {
            return Transition<Invite>.Refuse($"The invite is {Status}; only a Pending invite can be resent.");
        }

        var since = now - (LastTokenIssuedAt ?? CreatedAt);
        if (since < options.ResendCooldown)
        {
            var wait = options.ResendCooldown - since;
            return Transition<Invite>.Refuse(
                string.Create(CultureInfo.InvariantCulture, $"This invite was sent {Math.Floor(since.TotalSeconds)} seconds ago; resend it after {Math.Ceiling(wait.TotalSeconds)} seconds."),
                wait);
        }

        return Transition<Invite>.To(this with
        {
            ExpiresAt = now + options.Expiry,
            RemindAt = now + options.ReminderAfter,
            RemindedAt = null,
            LastTokenIssuedAt = now,
            ResendCount = ResendCount + 1,
            FailureReason = null,
            SealedToken = Delivery == InviteDelivery.Email ? sealToken(now + options.Expiry) : null,
        });
    }

    /// <summary>Stamps the invitation email sent at <paramref name="sentAt"/> (the ledger's time, so a re-run writes the same), while Pending.</summary>
    public Transition<Invite> MarkSent(DateTimeOffset sentAt) =>
        Status != InviteStatus.Pending ? Transition<Invite>.Refuse($"The invite is {Status}.")
        : SentAt == sentAt ? Transition<Invite>.Stay()
        : Transition<Invite>.To(this with { SentAt = sentAt });

    /// <summary>Stamps the reminder sent at <paramref name="sentAt"/>, while Pending.</summary>
    public Transition<Invite> MarkReminded(DateTimeOffset sentAt) =>
        Status != InviteStatus.Pending ? Transition<Invite>.Refuse($"The invite is {Status}.")
        : RemindedAt == sentAt ? Transition<Invite>.Stay()
        : Transition<Invite>.To(this with { RemindedAt = sentAt });

    /// <summary>Records why the invite's orchestration failed for good (the provider sees it; a resend clears it).</summary>
    public Transition<Invite> RecordFailure(string reason) =>
        FailureReason == reason ? Transition<Invite>.Stay() : Transition<Invite>.To(this with { FailureReason = reason });

    // Accept and decline share the guard: the link answered is the current one, and it is live.
    private Transition<Invite> Respond(InviteStatus answer, string tokenHash, DateTimeOffset now)
    {
        if (!string.Equals(TokenHash, tokenHash, StringComparison.Ordinal))
        {
            return Transition<Invite>.Refuse("The link is not the invite's current one.");
        }

        if (Status == answer)
        {
            return Transition<Invite>.Stay();
        }

        return IsLive(now)
            ? Transition<Invite>.To(this with { Status = answer, RespondedAt = now })
            : Transition<Invite>.Refuse($"The invite is {(Status == InviteStatus.Pending ? InviteStatus.Expired : Status)}; only a live invite can be answered.");
    }

    /// <summary>The <c>PartnershipInvite</c> orchestration's input, from the row alone.</summary>
    /// <remarks>Its round is the resend count plus one: email steps are keyed by round, so a restarted orchestration never reuses an earlier link's step.</remarks>
    public InviteWorkflowInput WorkflowInput(string? correlationId) => new(Id, Delivery, SealedToken, RemindAt, ExpiresAt, correlationId, Round: ResendCount + 1);
}

/// <summary><c>POST /api/resellers/invites</c>.</summary>
public sealed record CreateInviteRequest(
    [property: Required] string? Email,
    string? CompanyName,
    string? Message,
    [property: Description("\"Email\": Tier2 sends the invitation. \"Draft\": the response carries it for the provider to send. Any case is accepted; responses spell it as here."), Required] string? Delivery);

/// <summary>The draft a portal shows for "Open in email" and "Copy to clipboard".</summary>
public sealed record InviteDraft(string To, string Subject, string PlainText, string Html, string Link, string MailTo);

/// <summary>An invite as the API shows it, with its orchestration's status and, right after create or resend with draft delivery, the draft.</summary>
public sealed record InviteView(
    string Id,
    string Email,
    string? CompanyName,
    string? Message,
    InviteDelivery Delivery,
    InviteStatus Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? RemindedAt,
    DateTimeOffset? RespondedAt,
    int ResendCount,
    string? ResellerId,
    string OrchestrationId,
    string? OrchestrationStatus,
    InviteDraft? Draft,
    string? FailureReason = null)
{
    public static InviteView From(Invite invite, string? orchestrationStatus = null, InviteDraft? draft = null) => new(
        invite.Id,
        invite.Email,
        invite.CompanyName,
        invite.Message,
        invite.Delivery,
        invite.Status,
        invite.CreatedAt,
        invite.CreatedBy,
        invite.ExpiresAt,
        invite.SentAt,
        invite.RemindedAt,
        invite.RespondedAt,
        invite.ResendCount,
        invite.Status == InviteStatus.Accepted ? invite.ResellerId : null,
        invite.InstanceId,
        orchestrationStatus,
        draft,
        invite.FailureReason);
}

/// <summary>What the reseller typed on the invite page.</summary>
public sealed record InviteAcceptance(string CompanyName, string MpnId, Guid TenantId, string ContactName, string ContactEmail);
