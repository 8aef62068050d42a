using Tier2.Functions.Reconciliation;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Standalone.Hosting;

namespace Tier2.Functions.Tests.Reconciliation;

/// <summary>
/// The reconciliation schedules are defined once, in local.settings.sample.json: every schedule a timer function
/// names is there, valid, and nowhere given a default of its own.
/// </summary>
public sealed class ScheduleSettingsTests
{
    [Fact]
    public void Every_schedule_setting_a_timer_names_is_in_local_settings_sample_with_a_valid_schedule()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestApp.AppFolder, "functions.metadata")));
        var named = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "timerTrigger")
            .Select(b => b.GetProperty("schedule").GetString()!.Trim('%'))
            .ToList();
        var sample = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalSettingsFile.Read(Path.Combine(Repository.Root, "local.settings.sample.json")))
            .Build();

        Assert.Equal(7, named.Count);
        Assert.All(named, setting => Assert.False(string.IsNullOrWhiteSpace(sample[setting]), $"{setting} is not in local.settings.sample.json"));
        var options = sample.GetSection(ReconciliationOptions.Section).Get<ReconciliationOptions>()!;
        Assert.True(new ReconciliationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void An_unset_schedule_fails_validation_naming_its_setting()
    {
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalSettingsFile.Read(Path.Combine(Repository.Root, "local.settings.sample.json")))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Reconciliation:InvitesSchedule"] = "" })
            .Build()
            .GetSection(ReconciliationOptions.Section).Get<ReconciliationOptions>()!;

        var result = new ReconciliationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(["Setting 'Reconciliation__InvitesSchedule' is not set: the job's timer reads its six-field cron schedule from it (local.settings.sample.json has the usual one)."], result.Failures);
    }
}
