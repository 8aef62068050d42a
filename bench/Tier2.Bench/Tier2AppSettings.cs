using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Standalone.Hosting;

namespace Tier2.Bench;

/// <summary>The real app's settings for a bench run and a provider-admin token.</summary>
public static class Tier2AppSettings
{
    public const string SigningKey = "dGllcjItdGVzdHMtc2lnbmluZy1rZXktMzItYnl0ZXMtbG9uZyEhIQ==";
    public const string Audience = "api://tier2-bench";
    public const string Issuer = "tier2-bench";

    /// <summary>
    /// local.settings.sample.json's settings (the one list of the app's settings, which the tests' TestApp and
    /// scripts/test.sh's demo start from too) with the bench's own storage, task hub, addresses and token keys.
    /// Configuration keys with ':' (in-process) or '__' (environment of a child process).
    /// </summary>
    public static Dictionary<string, string> Create(string storage, string prefix, string hub, string separator = ":")
    {
        var settings = LocalSettingsFile.Read(Path.Combine(AppContext.BaseDirectory, "local.settings.sample.json"));
        settings["AzureWebJobsStorage"] = storage;
        settings["Storage:Prefix"] = prefix;
        settings["AzureFunctionsJobHost:extensions:durableTask:hubName"] = hub;
        // The engine polls as host.json says (the sample polls faster for a developer's console): that is what is measured.
        settings.Remove("AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval");
        settings["Tier2:PublicBaseUrl"] = "http://tier2.bench.example/api";
        settings["Auth:Audience"] = Audience;
        settings["Auth:Issuer"] = Issuer;
        settings["Auth:SigningKey"] = SigningKey;
        // Port 1: no mail server (the bench starts none).
        settings["Email:SmtpPort"] = "1";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning";
        settings["TIER2_LOCAL_SETTINGS"] = "none";
        // The bench measures the engine and the HTTP API; Partner Center has its own bench.
        settings["PartnerCenter:Mode"] = "Disabled";
        return settings.ToDictionary(kv => kv.Key.Replace(":", separator, StringComparison.Ordinal), kv => kv.Value ?? "", StringComparer.Ordinal);
    }

    /// <summary>A provider-admin bearer token the app accepts (signed with the bench's development key).</summary>
    public static string ProviderAdminToken() =>
        new DevelopmentTokenIssuer(
            Options.Create(new AuthOptions { Mode = AuthMode.Development, Audience = Audience, Issuer = Issuer, SigningKey = SigningKey }),
            TimeProvider.System).Issue(Roles.ProviderAdmin, subject: "bench");
}
