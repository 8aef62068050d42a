using Microsoft.Extensions.Options;
using Tier2.Functions.Email;

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

/// <summary>Checks <c>Invites__*</c>, and that the invite rate fits what the email sender's domain can send.</summary>
public sealed class InviteOptionsValidator(IOptions<EmailOptions> email) : IValidateOptions<InviteOptions>
{
    /// <summary>
    /// An Azure-managed email domain (<c>&lt;guid&gt;.azurecomm.net</c>) sends at most 5 emails a minute and 10 an hour,
    /// and Microsoft raises neither: a higher invite rate would accept invites that Communication Services then refuses.
    /// </summary>
    public const int AzureManagedDomainEmailsPerMinute = 5;

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
        else if (options.CreatePerMinute > AzureManagedDomainEmailsPerMinute && IsAzureManagedDomain(email.Value))
        {
            failures.Add($"Setting 'Invites__CreatePerMinute' is {options.CreatePerMinute}, but Email__SenderAddress is on an Azure-managed domain (*.azurecomm.net), "
                + $"which sends at most {AzureManagedDomainEmailsPerMinute} emails a minute and 10 an hour: set it to {AzureManagedDomainEmailsPerMinute} or less, or send from a custom domain (infra/README.md).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAzureManagedDomain(EmailOptions email) =>
        email.Provider == EmailProvider.Acs && email.SenderAddress.EndsWith(".azurecomm.net", StringComparison.OrdinalIgnoreCase);
}
