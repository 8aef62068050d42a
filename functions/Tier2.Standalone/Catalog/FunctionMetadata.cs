using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tier2.Standalone.Catalog;

/// <summary>One entry of functions.metadata, as the Worker SDK writes it at build.</summary>
internal sealed class FunctionMetadata
{
    public string Name { get; set; } = "";

    public string? ScriptFile { get; set; }

    public string EntryPoint { get; set; } = "";

    public List<BindingMetadata> Bindings { get; set; } = [];
}

/// <summary>One binding of a function (trigger, input or output).</summary>
internal sealed class BindingMetadata
{
    public string Name { get; set; } = "";

    public string Type { get; set; } = "";

    public string? Direction { get; set; }

    public string? Route { get; set; }

    public List<string>? Methods { get; set; }

    public string? Schedule { get; set; }

    public bool RunOnStartup { get; set; }

    public bool? UseMonitor { get; set; }

    public bool IsTrigger => this.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Reads functions.metadata.</summary>
internal static class FunctionCatalogFiles
{
    /// <summary>The catalog's file name in the app's build output.</summary>
    public const string MetadataFileName = "functions.metadata";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static List<FunctionMetadata> Read(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<List<FunctionMetadata>>(stream, Options) ?? [];
        }
        catch (JsonException e)
        {
            throw new Hosting.StandaloneStartupException($"{path} is not a valid functions.metadata: {e.Message}", e);
        }
    }

    public static string? FirstScriptFile(string path) =>
        Read(path).Select(f => f.ScriptFile).FirstOrDefault(s => !string.IsNullOrEmpty(s));
}
