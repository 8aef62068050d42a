using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

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

    public bool IsLive(DateTimeOffset now) => Status == InviteStatus.Pending && now < ExpiresAt;

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
