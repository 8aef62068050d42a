using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.Reconciliation;
using Xunit.Abstractions;
using static Tier2.Functions.Tests.Engine.EngineFlows;

namespace Tier2.Functions.Tests.Engine;

/// <summary>
/// What Tier2 relies on from the engine, as Tier2 behaviour (not DTFx internals): durable timers survive a kill -9,
/// an event raised before the orchestration waits for it is kept, and a step that fails every time ends somewhere
/// visible instead of looping.
/// </summary>
[Collection(EngineCollections.Guarantees)]
public sealed class GuaranteeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_invites_reminder_and_expiry_timers_fire_after_the_host_is_killed_and_started_again()
    {
        var settings = EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(EngineBuild.NewPrefix()));
        settings["Invites:ReminderAfter"] = "00:00:20";
        settings["Invites:Expiry"] = "00:01:00"; // the shortest expiry the app accepts
        await using var host = await HostProcess.StartAsync(settings);
        var email = NewEmail("timer");
        var (status, id, body) = await CreateInviteAsync(host.Provider, email);
        Assert.True(status == HttpStatusCode.Accepted, body);
        await WaitForEmailsAsync([email], TimeSpan.FromSeconds(60), IsInvitation, quiet: TimeSpan.Zero, context: () => host.Tail());

        // Both timers are set (the orchestration waits) when the host dies.
        await Infrastructure.Eventually.UntilAsync(() => GetOrchestrationAsync(host.Provider, "invite-" + id), o => o.Status == "Running" && o.View?.CustomStatus?.GetString() == "waiting");
        host.KillHard();
        var watch = Stopwatch.StartNew();
        await host.StartAgainAsync();

        var expired = await Infrastructure.Eventually.UntilAsync(
            () => GetInviteAsync(host.Provider, id!),
            i => i.Status == InviteStatus.Expired && i.OrchestrationStatus == "Completed",
            TimeSpan.FromMinutes(2),
            $"invite {id} to expire after the restart\n{host.Tail()}");
        output.WriteLine($"expired {watch.Elapsed.TotalSeconds:F1}s after the kill");

        // The reminder fires after the restart too; when the restart took past the expiry, the late reminder sends
        // nothing (the invite is no longer live) and the invite simply expires.
        var invitations = await EmailCountsAsync([email], IsInvitation);
        var reminders = await EmailCountsAsync([email], IsReminder);
        var reminded = expired.RemindedAt is not null;
        output.WriteLine($"reminder sent: {reminded}");
        Assert.True(invitations[email] == 1 && reminders[email] == (reminded ? 1 : 0), $"invite-{id}: {invitations[email]} invitations and {reminders[email]} reminders to {email} (remindedAt {expired.RemindedAt})");
        var (orchestration, view) = await GetOrchestrationAsync(host.Provider, "invite-" + id);
        Assert.Equal("Completed", orchestration);
        Assert.Contains("Expired", view!.Output?.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoke_raised_right_after_the_invite_is_created_is_not_lost_before_the_orchestration_waits_for_it()
    {
        await using var app = await EngineBuild.StartInProcessAsync(EngineBuild.Settings(EngineBuild.NewPrefix()));
        using var provider = EngineBuild.Client(app.Address);

        // Several times, half with an invitation email first (the revoke lands while it is sent), half draft.
        var ids = new List<(string Id, string Delivery, string InstanceStatusAtRevoke)>();
        for (var i = 0; i < 6; i++)
        {
            var delivery = i % 2 == 0 ? "email" : "draft";
            var (status, id, body) = await CreateInviteAsync(provider, NewEmail("revoke"), delivery);
            Assert.True(status == HttpStatusCode.Accepted, body);
            var before = (await GetOrchestrationAsync(provider, "invite-" + id)).Status;
            using var revoke = await provider.PostAsync(new Uri($"/api/resellers/invites/{id}/revoke", UriKind.Relative), null);
            Assert.True(revoke.IsSuccessStatusCode, $"revoke of {id}: {(int)revoke.StatusCode} {await revoke.Content.ReadAsStringAsync()}");
            ids.Add((id!, delivery, before));
        }

        var stuck = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(45);
        foreach (var (id, delivery, before) in ids)
        {
            string last;
            while (true)
            {
                var invite = await GetInviteAsync(provider, id);
                var (orchestration, view) = await GetOrchestrationAsync(provider, "invite-" + id);
                last = $"invite {invite.Status}, orchestration {orchestration} ({(view is null ? "-" : view.CustomStatus.ToString())})";
                if (invite.Status == InviteStatus.Revoked && orchestration == "Completed" && view?.Output?.GetRawText().Contains("Revoked", StringComparison.Ordinal) == true)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    stuck.Add($"invite-{id} ({delivery}, instance {before} when revoked): {last}");
                    break;
                }

                await Task.Delay(250);
            }
        }

        output.WriteLine(string.Join("\n", ids.Select(i => $"invite-{i.Id} {i.Delivery}: instance {i.InstanceStatusAtRevoke} when revoked")));
        Assert.True(stuck.Count == 0, "Revokes raised before the orchestration waited were lost:\n" + string.Join("\n", stuck));
    }

    /// <summary>
    /// Right after a kill -9 and a restart, the dead process's partition leases have not expired (DTFx: 30 s), so a new
    /// instance stays Pending while the API already answers: a revoke raised then reaches an instance that has not run
    /// yet. It must still end the invite's orchestration Revoked.
    /// </summary>
    [Fact]
    public async Task A_revoke_raised_while_the_new_orchestration_is_still_pending_after_a_restart_ends_it_revoked()
    {
        await using var host = await HostProcess.StartAsync(EngineBuild.WithShortVisibilityTimeouts(EngineBuild.Settings(EngineBuild.NewPrefix())));
        host.KillHard();
        await host.StartAgainAsync();

        var revoked = new List<(string Id, string Delivery, string Before)>();
        foreach (var delivery in new[] { "draft", "email" })
        {
            var (status, id, body) = await CreateInviteAsync(host.Provider, NewEmail("pending"), delivery);
            Assert.True(status == HttpStatusCode.Accepted, body);
            var before = (await GetOrchestrationAsync(host.Provider, "invite-" + id)).Status;
            using var revoke = await host.Provider.PostAsync(new Uri($"/api/resellers/invites/{id}/revoke", UriKind.Relative), null);
            Assert.True(revoke.IsSuccessStatusCode, $"revoke of {id}: {(int)revoke.StatusCode} {await revoke.Content.ReadAsStringAsync()}");
            revoked.Add((id!, delivery, before));
        }

        output.WriteLine(string.Join("\n", revoked.Select(r => $"invite-{r.Id} {r.Delivery}: instance {r.Before} when revoked")));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var lost = new List<string>();
        foreach (var (id, delivery, before) in revoked)
        {
            while (true)
            {
                var invite = await GetInviteAsync(host.Provider, id);
                var (orchestration, view) = await GetOrchestrationAsync(host.Provider, "invite-" + id);
                if (invite.Status == InviteStatus.Revoked && orchestration == "Completed")
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    lost.Add($"invite-{id} ({delivery}; instance {before} when revoked): invite {invite.Status}, orchestration {orchestration}, custom status {(view is null ? "-" : view.CustomStatus.ToString())}");
                    break;
                }

                await Task.Delay(500);
            }
        }

        Assert.True(lost.Count == 0, "A revoke raised while the instance was Pending was lost (the orchestration waits on until expiry):\n" + string.Join("\n", lost) + "\n" + host.Tail(20));
    }

    /// <summary>
    /// DTFx's Azure Storage provider never dead-letters: a message whose processing fails is abandoned with an
    /// exponential back-off (2^dequeueCount s, at most 10 minutes) and logged as PoisonMessageDetected, forever. An
    /// activity that throws is not such a message: it fails its task, and Tier2's retry policies bound it.
    /// </summary>
    [Fact]
    public async Task A_step_that_fails_every_time_ends_the_order_failed_or_the_orchestration_failed_and_reported_instead_of_looping()
    {
        await using var app = await EngineBuild.StartInProcessAsync(EngineBuild.Settings(EngineBuild.NewPrefix()), s => s.AddSingleton<IOnboardingFaultInjector>(new AlwaysFails()));
        using var provider = EngineBuild.Client(app.Address);
        var durable = app.Services.GetRequiredService<DurableTaskClient>();
        var watch = Stopwatch.StartNew();

        // An order whose second subscription and every undo throw every time.
        var orderId = await CreateAndSubmitOrderAsync(provider, null, "Doomed Co", FourLines);

        // An onboarding whose order does not exist: its steps and its final bookkeeping throw every time.
        var orphan = "order-orphan-" + Guid.NewGuid().ToString("N")[..8];
        await durable.ScheduleNewOrchestrationInstanceAsync(CustomerOnboardingOrchestration.Name, "no-such-order", new StartOrchestrationOptions(orphan));

        var order = await WaitForOrderSettledAsync(provider, orderId, TimeSpan.FromMinutes(2));
        Assert.Equal(OrderStatus.Failed, order.Status);
        Assert.Contains($"see orchestration order-{orderId}", order.FailureReason, StringComparison.Ordinal);
        Assert.Equal("Completed", (await GetOrchestrationAsync(provider, "order-" + orderId)).Status);

        var (status, view) = await Infrastructure.Eventually.UntilAsync(() => GetOrchestrationAsync(provider, orphan), o => o.Status is "Failed" or "Completed", TimeSpan.FromMinutes(2), orphan);
        output.WriteLine($"both ended after {watch.Elapsed.TotalSeconds:F1}s; {orphan}: {view}");
        Assert.Equal("Failed", status);
        // The Azure Storage provider keeps no FailureDetails on the instance row: it writes FailureDetails.ToString() into
        // the output column, so on this engine the reason is in "output" and "failure" is null.
        Assert.Contains("Order no-such-order does not exist", view!.Failure + view.Output?.GetRawText(), StringComparison.Ordinal);

        // ReconcileOrchestrations (looking from an hour later, past its stuck threshold) reports the failed instance with its reason.
        var job = new OrchestrationRepairJob(Options.Create(new ReconciliationOptions()));
        var outcome = await job.RunAsync(new JobContext("test", null, 500, DateTimeOffset.UtcNow.AddHours(1), new OrchestrationClient(durable)), CancellationToken.None);
        var reported = Assert.Single(outcome.Details, d => d.Contains(orphan, StringComparison.Ordinal));
        output.WriteLine("ReconcileOrchestrations: " + reported);
        Assert.Contains("Failed at", reported, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Details, d => d.Contains("order-" + orderId, StringComparison.Ordinal));
    }

    private sealed class AlwaysFails : IOnboardingFaultInjector
    {
        public Task OnStepAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
            step == OnboardingStep.CreateSubscription && lineIndex == 1 ? throw new InvalidOperationException("fails every time") : Task.CompletedTask;

        public Task OnUndoAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("undo fails every time");
    }
}
