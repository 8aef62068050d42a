using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;

namespace Tier2.Bench;

/// <summary>The real app's settings for a bench run (as the tests' TestApp.DefaultSettings) and a provider-admin token.</summary>
public static class Tier2AppSettings
{
    public const string SigningKey = "dGllcjItdGVzdHMtc2lnbmluZy1rZXktMzItYnl0ZXMtbG9uZyEhIQ==";
    public const string Audience = "api://tier2-bench";
    public const string Issuer = "tier2-bench";

    /// <summary>Configuration keys with ':' (in-process) or '__' (environment of a child process).</summary>
    public static Dictionary<string, string> Create(string storage, string prefix, string hub, string separator = ":")
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = prefix,
            ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = hub,
            ["Tier2:PublicBaseUrl"] = "http://tier2.bench.example/api",
            ["Tier2:ProviderName"] = "Bench Provider",
            ["Tier2:ProviderEmail"] = "partners@bench.example",
            ["Tier2:ProviderMpnId"] = "1111111",
            ["Auth:Mode"] = "Development",
            ["Auth:Audience"] = Audience,
            ["Auth:Issuer"] = Issuer,
            ["Auth:SigningKey"] = SigningKey,
            ["Telemetry:Console"] = "false",
            ["Email:Provider"] = "Smtp",
            ["Email:SenderAddress"] = "DoNotReply@bench.example",
            ["Email:SenderName"] = "Bench Provider",
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = "1",
            ["Email:SmtpSecurity"] = "None",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["TIER2_LOCAL_SETTINGS"] = "none",
            ["Reconciliation:OrchestrationRepairSchedule"] = "0 */5 * * * *",
            ["Reconciliation:InvitesSchedule"] = "0 7/15 * * * *",
            ["Reconciliation:OrdersSchedule"] = "0 */10 * * * *",
            ["Reconciliation:AssociationsSchedule"] = "0 0 6 * * *",
            ["Reconciliation:RetentionSchedule"] = "0 30 3 * * *",
            ["PartnerCenter:ConnectionCheckSchedule"] = "0 0 7 * * *",
        };
        return separator == ":" ? settings : settings.ToDictionary(kv => kv.Key.Replace(":", separator, StringComparison.Ordinal), kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>A provider-admin bearer token the app accepts (signed with the bench's development key).</summary>
    public static string ProviderAdminToken() =>
        new DevelopmentTokenIssuer(
            Options.Create(new AuthOptions { Mode = AuthMode.Development, Audience = Audience, Issuer = Issuer, SigningKey = SigningKey }),
            TimeProvider.System).Issue(Roles.ProviderAdmin, subject: "bench");
}
