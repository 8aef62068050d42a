using Microsoft.Extensions.Options;
using Tier2.Functions.Hosting;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// Settings <c>Reconciliation__*</c>: when each job runs (six-field cron) and how much one run may do. The schedules
/// have no default here: the timer functions name them as <c>%Reconciliation:…Schedule%</c>, which the Functions host
/// resolves from the app's settings alone, so each must be set. Their values are written once, in
/// local.settings.sample.json; infra's app settings are checked against it, and the tests and the bench read it.
/// </summary>
public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    public string OrchestrationRepairSchedule { get; set; } = "";

    public string InvitesSchedule { get; set; } = "";

    public string AssociationsSchedule { get; set; } = "";

    public string RetentionSchedule { get; set; } = "";

    public string OrdersSchedule { get; set; } = "";

    /// <summary>When the resellers are synced from Partner Center (a no-op while Partner Center is Disabled).</summary>
    public string PartnerCenterResellersSchedule { get; set; } = "";

    /// <summary>When Partner Center's catalog is read into the offers table (daily; a no-op while Partner Center is Disabled).</summary>
    public string OfferCatalogSchedule { get; set; } = "";

    /// <summary>An instance with no progress for this long is looked at by the repair job.</summary>
    public TimeSpan StuckThreshold { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Finished orchestrations older than this are purged.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Items one run examines at most; the next run continues from the checkpoint.</summary>
    public int MaxItemsPerRun { get; set; } = 500;
}

public sealed class ReconciliationOptionsValidator : IValidateOptions<ReconciliationOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconciliationOptions options)
    {
        var failures = new List<string>();
        void Schedule(string value, string setting)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"Setting 'Reconciliation__{setting}' is not set: the job's timer reads its six-field cron schedule from it (local.settings.sample.json has the usual one).");
                return;
            }

            try
            {
                CronSchedule.Parse(value, $"setting 'Reconciliation__{setting}'");
            }
            catch (FormatException ex)
            {
                failures.Add($"Setting 'Reconciliation__{setting}': {ex.Message}");
            }
        }

        Schedule(options.OrchestrationRepairSchedule, nameof(options.OrchestrationRepairSchedule));
        Schedule(options.InvitesSchedule, nameof(options.InvitesSchedule));
        Schedule(options.AssociationsSchedule, nameof(options.AssociationsSchedule));
        Schedule(options.RetentionSchedule, nameof(options.RetentionSchedule));
        Schedule(options.OrdersSchedule, nameof(options.OrdersSchedule));
        Schedule(options.PartnerCenterResellersSchedule, nameof(options.PartnerCenterResellersSchedule));
        Schedule(options.OfferCatalogSchedule, nameof(options.OfferCatalogSchedule));
        if (options.StuckThreshold < TimeSpan.FromMinutes(1))
        {
            failures.Add("Setting 'Reconciliation__StuckThreshold' must be at least 00:01:00.");
        }

        if (options.Retention < TimeSpan.FromHours(1))
        {
            failures.Add("Setting 'Reconciliation__Retention' must be at least 01:00:00.");
        }

        if (options.MaxItemsPerRun is < 1 or > 100_000)
        {
            failures.Add("Setting 'Reconciliation__MaxItemsPerRun' must be between 1 and 100000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
