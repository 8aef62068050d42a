using Tier2.Functions.Invites;
using Tier2.Functions.Tests.Orders;

namespace Tier2.Functions.Tests.Invites;

public sealed class PartnershipInviteOrchestrationTests
{
    private const string InviteId = "inv1";
    private const string InstanceId = "invite-inv1";
    private const string ResellerId = "res1";
    private static readonly DateTimeOffset Created = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset RemindAt = Created.AddDays(3);
    private static readonly DateTimeOffset ExpiresAt = Created.AddDays(14);

    private static InviteWorkflowInput Input(InviteDelivery delivery = InviteDelivery.Email) =>
        new(InviteId, delivery, "sealed-1", RemindAt, ExpiresAt, "corr-1");

    private static FakeOrchestrationContext Context(InviteWorkflowInput input, InviteStepResult? expiry = null) =>
        new FakeOrchestrationContext(input, InstanceId, Created.UtcDateTime)
            .WithInputType<InviteWorkflowInput>()
            .WithEventType<InviteSignal>()
            .WithResultType<InviteStepResult>()
            .WithResultType<InviteOutcome>()
            .OnActivity(InviteActivities.SendEmail.Name, _ => new InviteStepResult(true, null))
            .OnActivity(InviteActivities.ActivateReseller.Name, id => new InviteOutcome((string)id!, InviteStatus.Accepted, ResellerId))
            .OnActivity(InviteActivities.Expire.Name, _ => expiry ?? new InviteStepResult(true, "Expired", InviteStatus.Expired, ExpiresAt));

    private static Task<InviteOutcome> Start(FakeOrchestrationContext context) => PartnershipInviteOrchestration.RunOrchestrator(context.Object);

    private static List<InviteEmailRequest> Emails(FakeOrchestrationContext context) =>
        context.Calls.Where(c => c.Name == InviteActivities.SendEmail.Name).Select(c => (InviteEmailRequest)c.Input!).ToList();

    private static async Task<InviteOutcome> Finished(Task<InviteOutcome> run)
    {
        Assert.True(run.IsCompleted, "The orchestration should have finished.");
        return await run;
    }

    private static void AssertAcceptedAndWelcomed(FakeOrchestrationContext context, InviteOutcome outcome)
    {
        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Accepted, ResellerId), outcome);
        var activate = Assert.Single(context.Calls, c => c.Name == InviteActivities.ActivateReseller.Name);
        Assert.Equal(InviteId, activate.Input);
        Assert.Equal(5, activate.Options?.Retry?.Policy?.MaxNumberOfAttempts);
        var emails = Emails(context);
        Assert.Contains(emails, e => e is { Kind: InviteEmailKind.Welcome, Step: "welcome", InstanceId: InstanceId } && e.IdempotencyKey == "invite-inv1:welcome");
        Assert.Contains(emails, e => e is { Kind: InviteEmailKind.ProviderNotice, Step: "provider-notice" });
        Assert.True(context.Calls.FindIndex(c => c.Name == InviteActivities.ActivateReseller.Name) < context.Calls.FindIndex(c => c.Input is InviteEmailRequest { Kind: InviteEmailKind.Welcome }));
    }

    [Fact]
    public async Task An_invite_accepted_before_the_reminder_activates_the_reseller_and_emails_a_welcome_and_the_provider()
    {
        var context = Context(Input());
        var run = Start(context);

        var invitation = Assert.Single(Emails(context));
        Assert.Equal(new InviteEmailRequest(InviteId, InviteEmailKind.Invitation, "sealed-1", InstanceId, "invitation-1", "corr-1"), invitation);
        Assert.Equal("invite-inv1:invitation-1", invitation.IdempotencyKey);
        Assert.Equal(6, context.Calls[0].Options?.Retry?.Policy?.MaxNumberOfAttempts);
        var reminder = Assert.Single(context.Timers);
        Assert.Equal(RemindAt.UtcDateTime, reminder.FireAt);
        Assert.False(run.IsCompleted);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Accepted));

        var outcome = await Finished(run);
        Assert.True(reminder.Cancelled);
        AssertAcceptedAndWelcomed(context, outcome);
        Assert.DoesNotContain(Emails(context), e => e.Kind == InviteEmailKind.Reminder);
        Assert.Single(context.Timers);
    }

    [Fact]
    public async Task An_invite_accepted_after_the_reminder_sends_one_reminder_and_keeps_one_wait_for_the_signal_across_timers()
    {
        var context = Context(Input());
        var run = Start(context);

        context.Timers[0].Fire();

        var reminder = Assert.Single(Emails(context), e => e.Kind == InviteEmailKind.Reminder);
        Assert.Equal(new InviteEmailRequest(InviteId, InviteEmailKind.Reminder, "sealed-1", InstanceId, "reminder-1", "corr-1"), reminder);
        Assert.Equal(2, context.Timers.Count);
        Assert.Equal(ExpiresAt.UtcDateTime, context.Timers[1].FireAt);
        Assert.Contains("reminded", context.Statuses);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Accepted));

        var outcome = await Finished(run);
        Assert.True(context.Timers[1].Cancelled);
        AssertAcceptedAndWelcomed(context, outcome);
        Assert.Equal(1, context.WaitsFor(PartnershipInviteOrchestration.SignalEvent));
    }

    [Fact]
    public async Task A_declined_invite_settles_declined_without_activating_or_emailing_again()
    {
        var context = Context(Input());
        var run = Start(context);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Declined));

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Declined, null), await Finished(run));
        Assert.Equal([InviteActivities.SendEmail.Name], context.CallNames);
        Assert.True(context.Timers[0].Cancelled);
    }

    [Fact]
    public async Task A_revoked_invite_settles_revoked_without_activating_or_emailing_again()
    {
        var context = Context(Input());
        var run = Start(context);
        context.Timers[0].Fire();

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Revoked));

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Revoked, null), await Finished(run));
        Assert.Equal([InviteActivities.SendEmail.Name, InviteActivities.SendEmail.Name], context.CallNames);
        Assert.True(context.Timers[1].Cancelled);
    }

    [Fact]
    public async Task An_invite_nobody_answers_is_reminded_once_then_expires()
    {
        var context = Context(Input());
        var run = Start(context);

        context.Timers[0].Fire();
        context.Timers[1].Fire();

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Expired, null), await Finished(run));
        Assert.Equal([InviteActivities.SendEmail.Name, InviteActivities.SendEmail.Name, InviteActivities.Expire.Name], context.CallNames);
        Assert.Equal(InviteId, context.Calls[2].Input);
        Assert.Equal(5, context.Calls[2].Options?.Retry?.Policy?.MaxNumberOfAttempts);
        Assert.DoesNotContain(context.Calls, c => c.Name == InviteActivities.ActivateReseller.Name);
    }

    [Fact]
    public async Task An_expiry_that_finds_the_invite_accepted_activates_the_reseller_though_its_signal_never_came()
    {
        var context = Context(Input(), expiry: new InviteStepResult(false, "Accepted", InviteStatus.Accepted, ExpiresAt));
        var run = Start(context);

        context.Timers[0].Fire();
        context.Timers[1].Fire();

        AssertAcceptedAndWelcomed(context, await Finished(run));
    }

    [Fact]
    public async Task An_expiry_that_finds_the_invite_declined_settles_it_declined()
    {
        var context = Context(Input(), expiry: new InviteStepResult(false, "Declined", InviteStatus.Declined, ExpiresAt));
        var run = Start(context);

        context.Timers[0].Fire();
        context.Timers[1].Fire();

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Declined, null), await Finished(run));
        Assert.DoesNotContain(context.Calls, c => c.Name == InviteActivities.ActivateReseller.Name);
    }

    [Fact]
    public async Task An_expiry_that_finds_the_invite_still_pending_waits_for_its_moved_expiry_without_reminding_again()
    {
        var moved = ExpiresAt.AddDays(14);
        var expiry = new InviteStepResult(false, "Pending", InviteStatus.Pending, moved);
        var context = Context(Input());
        context.OnActivity(InviteActivities.Expire.Name, _ => expiry);
        var run = Start(context);

        context.Timers[0].Fire();
        context.Timers[1].Fire();

        Assert.Equal(3, context.Timers.Count);
        Assert.Equal(moved.UtcDateTime, context.Timers[2].FireAt);
        expiry = new InviteStepResult(true, "Expired", InviteStatus.Expired, moved);
        context.Timers[2].Fire();

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Expired, null), await Finished(run));
        Assert.Single(Emails(context), e => e.Kind == InviteEmailKind.Reminder);
        Assert.Equal(1, context.WaitsFor(PartnershipInviteOrchestration.SignalEvent));
    }

    [Fact]
    public async Task A_resend_starts_a_new_round_that_emails_the_new_token_under_a_new_step_key_and_restarts_the_timers()
    {
        var context = Context(Input());
        var run = Start(context);
        context.Timers[0].Fire();
        var remindAgainAt = RemindAt.AddDays(5);
        var expiresLaterAt = ExpiresAt.AddDays(5);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Resent, "sealed-2", remindAgainAt, expiresLaterAt));

        await Finished(run);
        Assert.True(context.Timers[1].Cancelled);
        var next = Assert.IsType<InviteWorkflowInput>(context.ContinuedAsNewWith);
        Assert.Equal(Input() with { SealedToken = "sealed-2", RemindAt = remindAgainAt, ExpiresAt = expiresLaterAt, Round = 2 }, next);
        Assert.True(context.PreservedUnprocessedEvents);

        // The next generation of the same instance.
        var round2 = Context(next);
        var run2 = Start(round2);

        Assert.Equal(new InviteEmailRequest(InviteId, InviteEmailKind.Invitation, "sealed-2", InstanceId, "invitation-2", "corr-1"), Assert.Single(Emails(round2)));
        Assert.Equal(remindAgainAt.UtcDateTime, Assert.Single(round2.Timers).FireAt);
        round2.Timers[0].Fire();
        Assert.Equal(new InviteEmailRequest(InviteId, InviteEmailKind.Reminder, "sealed-2", InstanceId, "reminder-2", "corr-1"), Emails(round2)[1]);
        Assert.Equal(expiresLaterAt.UtcDateTime, round2.Timers[1].FireAt);

        round2.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Accepted));
        AssertAcceptedAndWelcomed(round2, await Finished(run2));
        var keys = Emails(context).Concat(Emails(round2)).Select(e => e.IdempotencyKey).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData(4, 4)]
    [InlineData(1, 2)]
    public async Task A_resend_signal_names_the_next_round_by_the_invites_resend_count_and_never_reuses_a_round(int? signalled, int expected)
    {
        var context = Context(Input());
        var run = Start(context);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Resent, "sealed-2", RemindAt, ExpiresAt, signalled));

        await Finished(run);
        Assert.Equal(expected, Assert.IsType<InviteWorkflowInput>(context.ContinuedAsNewWith).Round);
    }

    [Fact]
    public async Task An_input_rebuilt_after_resends_names_its_emails_by_its_round()
    {
        var context = Context(Input() with { SealedToken = "sealed-3", Round = 3 });
        var run = Start(context);
        context.Timers[0].Fire();

        Assert.Equal(["invitation-3", "reminder-3"], Emails(context).Select(e => e.Step));
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task A_draft_invite_sends_no_invitation_or_reminder_and_waits_only_for_expiry()
    {
        var context = Context(Input(InviteDelivery.Draft));
        var run = Start(context);

        Assert.Empty(context.Calls);
        Assert.Equal(ExpiresAt.UtcDateTime, Assert.Single(context.Timers).FireAt);

        context.Timers[0].Fire();

        Assert.Equal(new InviteOutcome(InviteId, InviteStatus.Expired, null), await Finished(run));
        Assert.Equal([InviteActivities.Expire.Name], context.CallNames);
    }

    [Fact]
    public async Task A_resent_draft_invite_starts_a_new_round_that_still_sends_no_email()
    {
        var context = Context(Input(InviteDelivery.Draft));
        var run = Start(context);

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Resent, "sealed-2", RemindAt.AddDays(1), ExpiresAt.AddDays(1)));
        await Finished(run);
        var round2 = Context(Assert.IsType<InviteWorkflowInput>(context.ContinuedAsNewWith));
        _ = Start(round2);

        Assert.Empty(context.Calls);
        Assert.Empty(round2.Calls);
        Assert.Equal(ExpiresAt.AddDays(1).UtcDateTime, Assert.Single(round2.Timers).FireAt);
    }

    [Fact]
    public async Task An_invitation_that_cannot_be_sent_is_written_on_the_invite_and_the_orchestration_ends_failed()
    {
        var context = Context(Input())
            .WithResultType<bool>()
            .OnActivity(InviteActivities.SendEmail.Name, _ => throw FakeOrchestrationContext.Failure<ArgumentException>(InviteActivities.SendEmail.Name, "The recipient is not a valid email address."))
            .OnActivity("RecordInviteFailure", _ => true);

        var failed = await Assert.ThrowsAnyAsync<Exception>(() => Start(context));

        var record = Assert.Single(context.Calls, c => c.Name == "RecordInviteFailure");
        Assert.Contains(InviteId, record.Input!.ToString(), StringComparison.Ordinal);
        Assert.Contains("The recipient is not a valid email address.", record.Input!.ToString(), StringComparison.Ordinal);
        Assert.Contains("could not be sent", failed.Message, StringComparison.Ordinal);
        Assert.Empty(context.Timers);
    }

    [Fact]
    public async Task A_welcome_that_cannot_be_sent_is_written_on_the_accepted_invite_and_the_orchestration_ends_failed()
    {
        var context = Context(Input()).WithResultType<bool>().OnActivity("RecordInviteFailure", _ => true);
        var run = Start(context);
        context.OnActivity(InviteActivities.SendEmail.Name, request => ((InviteEmailRequest)request!).Kind == InviteEmailKind.Welcome
            ? throw FakeOrchestrationContext.Failure<InvalidOperationException>(InviteActivities.SendEmail.Name, "Mailbox unavailable.")
            : new InviteStepResult(true, null));

        context.Raise(PartnershipInviteOrchestration.SignalEvent, new InviteSignal(InviteSignalKind.Accepted));

        Assert.True(run.IsFaulted);
        var record = Assert.Single(context.Calls, c => c.Name == "RecordInviteFailure");
        Assert.Contains("Welcome", record.Input!.ToString(), StringComparison.Ordinal);
        Assert.Contains("Mailbox unavailable.", record.Input!.ToString(), StringComparison.Ordinal);
        Assert.Single(context.Calls, c => c.Name == InviteActivities.ActivateReseller.Name);
        await Task.CompletedTask;
    }
}
