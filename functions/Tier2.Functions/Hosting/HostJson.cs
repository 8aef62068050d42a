using System.Text.Json.Nodes;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Values the app needs from host.json (deployed next to it), so they are written once, there: the HTTP route
/// prefix (for links, cookie paths and the OpenAPI document).
/// </summary>
public static class HostJson
{
    private static readonly Lazy<string> Prefix = new(ReadRoutePrefix);

    /// <summary>
    /// The folder the app was deployed to (host.json, offers.json): the app assembly's, which is not the process's
    /// base directory when the standalone host loads the app.
    /// </summary>
    public static string AppFolder { get; } = Path.GetDirectoryName(typeof(HostJson).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory;

    /// <summary><c>extensions.http.routePrefix</c> ("api" when host.json does not say).</summary>
    public static string RoutePrefix => Prefix.Value;

    private static string ReadRoutePrefix()
    {
        var path = Path.Combine(AppFolder, "host.json");
        if (!File.Exists(path))
        {
            return "api";
        }

        var json = JsonNode.Parse(File.ReadAllText(path), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        return json?["extensions"]?["http"]?["routePrefix"]?.GetValue<string>()?.Trim('/') ?? "api";
    }
}
