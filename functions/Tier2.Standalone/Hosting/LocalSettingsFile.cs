using System.Text.Json;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// A local.settings.json file as <c>func start</c> reads it: its <c>Values</c> (app-setting names, whose <c>__</c> is
/// the configuration separator <c>:</c>) and its <c>ConnectionStrings</c> (as <c>ConnectionStrings:name</c>).
/// </summary>
public static class LocalSettingsFile
{
    /// <summary>The file's settings as configuration keys and values (a JSON number or boolean as its text).</summary>
    /// <exception cref="StandaloneStartupException">The file is not valid JSON.</exception>
    public static Dictionary<string, string?> Read(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);
            if (document.RootElement.TryGetProperty("Values", out JsonElement settings) && settings.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty setting in settings.EnumerateObject())
                {
                    values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] = ValueText(setting.Value);
                }
            }

            if (document.RootElement.TryGetProperty("ConnectionStrings", out JsonElement connections) && connections.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty connection in connections.EnumerateObject())
                {
                    values[$"ConnectionStrings:{connection.Name}"] = ValueText(connection.Value);
                }
            }

            return values;
        }
        catch (JsonException e)
        {
            throw new StandaloneStartupException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => value.GetRawText(),
    };
}
