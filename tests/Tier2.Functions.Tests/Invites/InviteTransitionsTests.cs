using Tier2.Functions.Invites;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Tests.Invites;

/// <summary>The invite's transitions as a table: from-state x transition -> new state, "stays" or "refused". No storage, no host.</summary>
public sealed class InviteTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly InviteOptions Options = new() { Expiry = TimeSpan.FromDays(14), ReminderAfter = TimeSpan.FromDays(7), ResendCooldown = TimeSpan.FromMinutes(5) };
    private const string CurrentToken = "current-token-hash";

    /// <summary>An invite in <paramref name="status"/>, created an hour ago; <paramref name="expired"/> puts its expiry a minute in the past.</summary>
    private static Invite InviteIn(InviteStatus status, bool expired = false)
    {
        var created = Invite.Create("i1", "owner@fabrikam.example", "Fabrikam", null, InviteDelivery.Email, "admin", Now - TimeSpan.FromHours(1), Options, expiry => "sealed-until-" + expiry.ToString("O"));
        return created with { Status = status, TokenHash = CurrentToken, ExpiresAt = expired ? Now - TimeSpan.FromMinutes(1) : created.ExpiresAt };
    }

    private static Transition<Invite> Apply(Invite invite, string transition) => transition switch
    {
        "Accept" => invite.Accept(CurrentToken, Now),
        "Decline" => invite.Decline(CurrentToken, Now),
        "Revoke" => invite.Revoke(),
        "Expire" => invite.Expire(Now),
        "Resend" => invite.Resend(Now, Options, expiry => "resealed"),
        _ => throw new ArgumentOutOfRangeException(nameof(transition)),
    };

    private static string Outcome(Transition<Invite> result) => result.Next?.Status.ToString() ?? (result.Refused ? "refused" : "stays");

    [Theory]
    [InlineData(InviteStatus.Pending, false, "Accept", "Accepted")]
    [InlineData(InviteStatus.Pending, false, "Decline", "Declined")]
    [InlineData(InviteStatus.Pending, false, "Revoke", "Revoked")]
    [InlineData(InviteStatus.Pending, false, "Expire", "refused")]
    [InlineData(InviteStatus.Pending, false, "Resend", "Pending")]
    [InlineData(InviteStatus.Pending, true, "Accept", "refused")]
    [InlineData(InviteStatus.Pending, true, "Decline", "refused")]
    [InlineData(InviteStatus.Pending, true, "Revoke", "Revoked")]
    [InlineData(InviteStatus.Pending, true, "Expire", "Expired")]
    [InlineData(InviteStatus.Pending, true, "Resend", "Pending")]
    [InlineData(InviteStatus.Accepted, false, "Accept", "stays")]
    [InlineData(InviteStatus.Accepted, false, "Decline", "refused")]
    [InlineData(InviteStatus.Accepted, false, "Revoke", "refused")]
    [InlineData(InviteStatus.Accepted, false, "Expire", "refused")]
    [InlineData(InviteStatus.Accepted, false, "Resend", "refused")]
    [InlineData(InviteStatus.Declined, false, "Accept", "refused")]
    [InlineData(InviteStatus.Declined, false, "Decline", "stays")]
    [InlineData(InviteStatus.Declined, false, "Revoke", "refused")]
    [InlineData(InviteStatus.Declined, false, "Resend", "refused")]
    [InlineData(InviteStatus.Expired, true, "Accept", "refused")]
    [InlineData(InviteStatus.Expired, true, "Revoke", "refused")]
    [InlineData(InviteStatus.Expired, true, "Expire", "stays")]
    [InlineData(InviteStatus.Expired, true, "Resend", "refused")]
    [InlineData(InviteStatus.Revoked, false, "Accept", "refused")]
    [InlineData(InviteStatus.Revoked, false, "Revoke", "stays")]
    [InlineData(InviteStatus.Revoked, false, "Expire", "refused")]
    [InlineData(InviteStatus.Revoked, false, "Resend", "refused")]
    public void A_transition_from_a_state_leads_to_the_state_the_table_says(InviteStatus from, bool expired, string transition, string expected)
    {
        var result = Apply(InviteIn(from, expired), transition);

        Assert.Equal(expected, Outcome(result));
        Assert.Equal(expected == "refused", result.Refusal is { Length: > 0 });
    }

    [Fact]
    public void Answering_through_a_link_that_is_no_longer_current_is_refused()
    {
        var invite = InviteIn(InviteStatus.Pending);

        Assert.True(invite.Accept("an-older-token-hash", Now).Refused);
        Assert.True(invite.Decline("an-older-token-hash", Now).Refused);
    }

    [Fact]
    public void Accepting_stamps_the_response_time()
    {
        Assert.Equal(Now, InviteIn(InviteStatus.Pending).Accept(CurrentToken, Now).Next!.RespondedAt);
    }

    [Fact]
    public void Resending_inside_the_cooldown_is_refused_with_the_time_left()
    {
        var invite = InviteIn(InviteStatus.Pending) with { LastTokenIssuedAt = Now - TimeSpan.FromMinutes(2) };

        var result = invite.Resend(Now, Options, expiry => "resealed");

        Assert.True(result.Refused);
        Assert.Equal(TimeSpan.FromMinutes(3), result.RetryAfter);
        Assert.Equal("This invite was sent 120 seconds ago; resend it after 180 seconds.", result.Refusal);
    }

    [Fact]
    public void Resending_starts_expiry_and_reminder_over_with_a_new_sealed_link_and_clears_the_failure()
    {
        var invite = InviteIn(InviteStatus.Pending, expired: true) with { RemindedAt = Now - TimeSpan.FromDays(1), FailureReason = "mailbox full", ResendCount = 2 };

        var next = invite.Resend(Now, Options, expiry => "sealed-until-" + expiry.ToString("O")).Next!;

        Assert.Equal(Now + Options.Expiry, next.ExpiresAt);
        Assert.Equal(Now + Options.ReminderAfter, next.RemindAt);
        Assert.Null(next.RemindedAt);
        Assert.Null(next.FailureReason);
        Assert.Equal(3, next.ResendCount);
        Assert.Equal("sealed-until-" + (Now + Options.Expiry).ToString("O"), next.SealedToken);
    }

    [Fact]
    public void A_draft_invite_keeps_no_sealed_token_on_create_or_resend()
    {
        var draft = Invite.Create("i2", "owner@fabrikam.example", null, null, InviteDelivery.Draft, "admin", Now - TimeSpan.FromHours(1), Options, expiry => "sealed");

        Assert.Null(draft.SealedToken);
        Assert.Equal(InviteStatus.Pending, draft.Status);
        Assert.Null(draft.Resend(Now, Options, expiry => "sealed").Next!.SealedToken);
    }

    [Fact]
    public void Marking_sent_reminded_or_failed_twice_with_the_same_value_changes_nothing_the_second_time()
    {
        var invite = InviteIn(InviteStatus.Pending);
        var sent = invite.MarkSent(Now).Next!;
        var reminded = sent.MarkReminded(Now).Next!;
        var failed = reminded.RecordFailure("mailbox full").Next!;

        Assert.Equal("stays", Outcome(sent.MarkSent(Now)));
        Assert.Equal("stays", Outcome(reminded.MarkReminded(Now)));
        Assert.Equal("stays", Outcome(failed.RecordFailure("mailbox full")));
        Assert.True(InviteIn(InviteStatus.Revoked).MarkSent(Now).Refused);
    }
}
