namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// The path of a resource (a <c>Location</c> header, a link), built from the route template its function is declared
/// with and host.json's route prefix: the route is written once, on the function, and no URL is a second copy of it.
/// </summary>
public static class ApiPaths
{
    /// <summary>
    /// <c>/{routePrefix}/{route}</c> with the route's parameters (<c>{id}</c>) filled in order by
    /// <paramref name="values"/>, each escaped as a path segment.
    /// </summary>
    public static string For(string route, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(values);
        var segments = route.Split('/');
        var next = 0;
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].StartsWith('{'))
            {
                segments[i] = next < values.Length
                    ? Uri.EscapeDataString(values[next++])
                    : throw new ArgumentException($"Route '{route}' has more parameters than the {values.Length} values given.", nameof(values));
            }
        }

        return next == values.Length
            ? "/" + HostJson.RoutePrefix + "/" + string.Join('/', segments)
            : throw new ArgumentException($"Route '{route}' has {next} parameters, not {values.Length}.", nameof(values));
    }
}
