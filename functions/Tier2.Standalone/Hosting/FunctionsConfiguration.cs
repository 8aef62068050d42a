using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// Layers configuration the way the Functions host does: host.json under <c>AzureFunctionsJobHost</c>
/// (lowest, so <c>AzureFunctionsJobHost__*</c> settings override it), then the app's appsettings.json,
/// then local.settings.json <c>Values</c> (what <c>func start</c> turns into environment variables), then
/// real environment variables and the command line.
/// </summary>
internal static class FunctionsConfiguration
{
    /// <summary>The configuration section host.json is read into.</summary>
    public const string JobHostSection = "AzureFunctionsJobHost";

    public static void Apply(ConfigurationManager configuration, string appFolder, bool loadLocalSettings)
    {
        List<KeyValuePair<string, string?>> lowest = [.. DefaultLogLevels(), .. HostJson(appFolder)];
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = lowest });

        if (!loadLocalSettings || LocalSettingsPath(appFolder) is not { } localSettings)
        {
            return;
        }

        // Below the environment: a real environment variable wins over local.settings.json, as under func start.
        int environment = configuration.Sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource);
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = LocalSettingsFile.Read(localSettings) };
        if (environment < 0)
        {
            configuration.Sources.Add(source);
        }
        else
        {
            configuration.Sources.Insert(environment, source);
        }
    }

    // DTFx logs every partition and queue operation at Information: too loud for a console by default.
    private static IEnumerable<KeyValuePair<string, string?>> DefaultLogLevels() =>
    [
        new("Logging:LogLevel:DurableTask.AzureStorage", "Warning"),
        new("Logging:LogLevel:DurableTask.Core", "Warning"),
        new("Logging:LogLevel:Microsoft.DurableTask", "Warning"),
        new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
    ];

    private static IEnumerable<KeyValuePair<string, string?>> HostJson(string appFolder)
    {
        string path = Path.Combine(appFolder, "host.json");
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            IConfigurationRoot hostJson = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
            return [.. hostJson.AsEnumerable()
                .Where(kv => kv.Value is not null)
                .Select(kv => new KeyValuePair<string, string?>($"{JobHostSection}:{kv.Key}", kv.Value))];
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            throw new StandaloneStartupException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? LocalSettingsPath(string appFolder) =>
        new[] { Path.Combine(appFolder, "local.settings.json"), Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json") }
            .FirstOrDefault(File.Exists);
}
