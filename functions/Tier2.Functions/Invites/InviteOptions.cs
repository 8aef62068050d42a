using Microsoft.Extensions.Options;

namespace Tier2.Functions.Invites;

/// <summary>Settings <c>Invites__*</c>.</summary>
public sealed class InviteOptions
{
    public const string Section = "Invites";

    /// <summary>How long a link is valid (default 14 days).</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromDays(14);

    /// <summary>When the reminder goes out, counted from sending (default day 7).</summary>
    public TimeSpan ReminderAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Least time between two resends of one invite.</summary>
    public TimeSpan ResendCooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Invites one provider admin may create per minute.</summary>
    public int CreatePerMinute { get; set; } = 30;
}

public sealed class InviteOptionsValidator : IValidateOptions<InviteOptions>
{
    public ValidateOptionsResult Validate(string? name, InviteOptions options)
    {
        var failures = new List<string>();
        if (options.Expiry < TimeSpan.FromMinutes(1) || options.Expiry > TimeSpan.FromDays(90))
        {
            failures.Add("Setting 'Invites__Expiry' must be between 00:01:00 and 90.00:00:00.");
        }

        if (options.ReminderAfter <= TimeSpan.Zero || options.ReminderAfter >= options.Expiry)
        {
            failures.Add("Setting 'Invites__ReminderAfter' must be positive and shorter than Invites__Expiry.");
        }

        if (options.ResendCooldown < TimeSpan.Zero || options.ResendCooldown > TimeSpan.FromDays(1))
        {
            failures.Add("Setting 'Invites__ResendCooldown' must be between 0 and 1.00:00:00.");
        }

        if (options.CreatePerMinute is < 1 or > 10_000)
        {
            failures.Add("Setting 'Invites__CreatePerMinute' must be between 1 and 10000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
