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
        var named = FunctionsMetadata.Parse(File.ReadAllText(Path.Combine(TestApp.AppFolder, "functions.metadata")))
            .SelectMany(f => f.Bindings)
            .Where(b => b.Type == "timerTrigger")
            .Select(b => b.Schedule!.Trim('%'))
            .ToList();
        var sample = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalSettingsFile.Read(Path.Combine(Repository.Root, "local.settings.sample.json")))
            .Build();

        Assert.NotEmpty(named);
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
