using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Tier2.Functions.Invites.Page;

/// <summary>HTML that came out of a <see cref="PageTemplate"/>: inserted into another template as it is, not encoded again.</summary>
public sealed record RenderedHtml(string Html);

/// <summary>
/// The invite page's HTML templates (<c>Invites/Page/*.html</c>, embedded in the assembly), with the few tags they
/// need: <c>{{name}}</c> inserts a value HTML-encoded (a <see cref="RenderedHtml"/> as it is); <c>{{#name}}…{{/name}}</c>
/// renders its inside once when the value is set (not null, not false, not empty), or once per item of a list of
/// values. Every name a template uses must be given (null for "not set"), so a misspelt name fails, not renders empty.
/// </summary>
/// <remarks>
/// Razor components would need the Razor SDK on the function app's project, whose build also generates the Functions
/// catalog (<c>functions.metadata</c>); these templates keep the HTML out of C# with no change to that build.
/// </remarks>
public static class PageTemplate
{
    private static readonly ConcurrentDictionary<string, string> Templates = new(StringComparer.Ordinal);

    /// <summary>Renders the template <c>Invites/Page/{name}.html</c> with <paramref name="values"/>.</summary>
    public static RenderedHtml Render(string name, IReadOnlyDictionary<string, object?> values)
    {
        var template = Templates.GetOrAdd(name, Load);
        var output = new StringBuilder(template.Length * 2);
        Render(template, name, [values], output);
        return new RenderedHtml(output.ToString());
    }

    private static void Render(string template, string name, List<IReadOnlyDictionary<string, object?>> scopes, StringBuilder output)
    {
        var at = 0;
        while (template.IndexOf("{{", at, StringComparison.Ordinal) is var open and >= 0)
        {
            output.Append(template, at, open - at);
            var close = template.IndexOf("}}", open, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Template {name}: '{{{{' at {open} is not closed.");
            }

            var tag = template[(open + 2)..close];
            if (!tag.StartsWith('#'))
            {
                output.Append(Encode(Lookup(scopes, tag, name)));
                at = close + 2;
                continue;
            }

            var key = tag[1..];
            var end = "{{/" + key + "}}";
            var endAt = template.IndexOf(end, close, StringComparison.Ordinal);
            if (endAt < 0)
            {
                throw new FormatException($"Template {name}: section '{key}' is not closed.");
            }

            var inside = template[(close + 2)..endAt];
            switch (Lookup(scopes, key, name))
            {
                case IEnumerable<IReadOnlyDictionary<string, object?>> items:
                    foreach (var item in items)
                    {
                        scopes.Add(item);
                        Render(inside, name, scopes, output);
                        scopes.RemoveAt(scopes.Count - 1);
                    }

                    break;
                case null or false or "":
                    break;
                default:
                    Render(inside, name, scopes, output);
                    break;
            }

            at = endAt + end.Length;
        }

        output.Append(template, at, template.Length - at);
    }

    // The innermost scope that has the name wins (a list item's values before the page's).
    private static object? Lookup(List<IReadOnlyDictionary<string, object?>> scopes, string key, string name)
    {
        for (var i = scopes.Count - 1; i >= 0; i--)
        {
            if (scopes[i].TryGetValue(key, out var value))
            {
                return value;
            }
        }

        throw new KeyNotFoundException($"Template {name} uses '{key}', which was not given.");
    }

    private static string Encode(object? value) => value switch
    {
        null => string.Empty,
        RenderedHtml html => html.Html,
        IFormattable formattable => HtmlEncoder.Default.Encode(formattable.ToString(null, CultureInfo.InvariantCulture)),
        _ => HtmlEncoder.Default.Encode(value.ToString() ?? string.Empty),
    };

    private static string Load(string name)
    {
        var resource = $"{typeof(PageTemplate).Namespace}.{name}.html";
        using var stream = typeof(PageTemplate).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The page template {resource} is not embedded in the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
