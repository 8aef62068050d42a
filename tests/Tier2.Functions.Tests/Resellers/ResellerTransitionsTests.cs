using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Tests.Resellers;

/// <summary>The reseller's transitions as a table: from-state x transition -> new state, "stays" or "refused". No storage, no host.</summary>
public sealed class ResellerTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static Reseller ResellerIn(ResellerStatus status) =>
        Reseller.Accepted("r1", "Fabrikam", "1234567", Guid.NewGuid(), "Pat", "pat@fabrikam.example", "owner@fabrikam.example", "i1", Now - TimeSpan.FromDays(1)) with { Status = status };

    private static Transition<Reseller> Apply(Reseller reseller, string transition) => transition switch
    {
        "Activate" => reseller.Activate(Now),
        "Suspend" => reseller.Suspend(Now),
        "Reactivate" => reseller.Reactivate(Now),
        _ => throw new ArgumentOutOfRangeException(nameof(transition)),
    };

    [Theory]
    [InlineData(ResellerStatus.PendingActivation, "Activate", "Active")]
    [InlineData(ResellerStatus.PendingActivation, "Suspend", "refused")]
    [InlineData(ResellerStatus.PendingActivation, "Reactivate", "refused")]
    [InlineData(ResellerStatus.Active, "Activate", "stays")]
    [InlineData(ResellerStatus.Active, "Suspend", "Suspended")]
    [InlineData(ResellerStatus.Active, "Reactivate", "stays")]
    [InlineData(ResellerStatus.Suspended, "Activate", "refused")]
    [InlineData(ResellerStatus.Suspended, "Suspend", "stays")]
    [InlineData(ResellerStatus.Suspended, "Reactivate", "Active")]
    public void A_transition_from_a_state_leads_to_the_state_the_table_says(ResellerStatus from, string transition, string expected)
    {
        var result = Apply(ResellerIn(from), transition);

        Assert.Equal(expected, result.Next?.Status.ToString() ?? (result.Refused ? "refused" : "stays"));
    }

    [Fact]
    public void A_new_reseller_from_an_invite_waits_for_activation()
    {
        Assert.Equal(ResellerStatus.PendingActivation, ResellerIn(ResellerStatus.PendingActivation).Status);
        Assert.Null(ResellerIn(ResellerStatus.PendingActivation).ActivatedAt);
    }

    [Fact]
    public void Suspending_stamps_the_time_and_reactivating_keeps_the_first_activation()
    {
        var active = ResellerIn(ResellerStatus.PendingActivation).Activate(Now - TimeSpan.FromHours(2)).Next!;
        var suspended = active.Suspend(Now - TimeSpan.FromHours(1)).Next!;
        var reactivated = suspended.Reactivate(Now).Next!;

        Assert.Equal(Now - TimeSpan.FromHours(1), suspended.SuspendedAt);
        Assert.Equal(Now - TimeSpan.FromHours(2), reactivated.ActivatedAt);
        Assert.Null(reactivated.SuspendedAt);
    }

    [Fact]
    public void A_refusal_names_the_state_it_needs()
    {
        Assert.Equal("The reseller is PendingActivation; only a Suspended reseller can become Active.", ResellerIn(ResellerStatus.PendingActivation).Reactivate(Now).Refusal);
    }
}
