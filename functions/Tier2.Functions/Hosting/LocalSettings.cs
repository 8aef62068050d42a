using System.Text.Json;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Reads the <c>Values</c> of local.settings.json, as Core Tools does, for the <c>token</c> command.
/// Keys use the app-setting form (<c>Auth__SigningKey</c>); environment variables still win.
/// </summary>
public static class LocalSettings
{
    public const string PathVariable = "TIER2_LOCAL_SETTINGS";

    /// <returns>False when there is no local.settings.json.</returns>
    public static bool AddLocalSettings(this ConfigurationManager configuration)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) ?? Find(Directory.GetCurrentDirectory());
        if (path is null || !File.Exists(path))
        {
            return false;
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using (var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
        {
            if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in section.EnumerateObject())
                {
                    values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ValueKind == JsonValueKind.String
                        ? property.Value.GetString()
                        : property.Value.GetRawText();
                }
            }
        }

        // Lowest precedence: insert before every other source.
        var sources = ((IConfigurationBuilder)configuration).Sources;
        sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values });
        return true;
    }

    // From the working directory up to the repository root (the folder holding host.json), as `dotnet run` starts in the project folder.
    private static string? Find(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "local.settings.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }

            if (File.Exists(Path.Combine(dir.FullName, "host.json")))
            {
                return null;
            }
        }

        return null;
    }
}
