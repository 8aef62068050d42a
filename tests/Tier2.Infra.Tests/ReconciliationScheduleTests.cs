using System.Text.Json.Nodes;

namespace Tier2.Infra.Tests;

/// <summary>
/// The reconciliation timers name their schedules as %Reconciliation:…Schedule% settings, which the Functions host
/// resolves from app settings when it indexes the functions. Their values are written once, in
/// local.settings.sample.json; the deployed app settings must say the same.
/// </summary>
public sealed class ReconciliationScheduleTests
{
    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_deployed_schedules_are_the_ones_in_local_settings_sample(string parameterFile)
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        Dictionary<string, string?> Schedules(JsonObject settings) => settings
            .Where(p => p.Key.EndsWith("Schedule", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value?.GetValue<string>());

        var expected = Schedules(sample);
        var deployed = Schedules(FunctionAppTests.AppSettings(parameterFile));

        // Every timer's schedule (the reconciliation jobs and Partner Center's) is a sample setting ending in "Schedule".
        Assert.Contains("Reconciliation__InvitesSchedule", expected.Keys);
        Assert.Contains("PartnerCenter__ConnectionCheckSchedule", expected.Keys);
        Assert.Equal(expected.OrderBy(p => p.Key), deployed.OrderBy(p => p.Key));
    }
}
