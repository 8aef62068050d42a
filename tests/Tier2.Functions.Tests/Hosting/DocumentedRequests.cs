using System.Text;
using System.Text.RegularExpressions;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>A JSON request body the docs show a person: where it is written, the request it goes with, the body.</summary>
public sealed record DocumentedRequest(string Source, string Method, string Path, string Body);

/// <summary>
/// The request bodies the README's curl lines and scripts/demo.sh send, read from those files as they are (never
/// copied into a test), so a check of them follows every edit of the docs.
/// </summary>
public static partial class DocumentedRequests
{
    /// <summary>
    /// Each <c>curl ... -X METHOD $API/path ... -d '{...}'</c> of the README: a command runs to the end of its line,
    /// past backslash continuations and line breaks inside single quotes; a placeholder such as <c>&lt;orderId&gt;</c>
    /// stays in the body (it sits in a JSON string) and is a path segment in the path.
    /// </summary>
    public static IReadOnlyList<DocumentedRequest> Readme(string readmePath)
    {
        var text = File.ReadAllText(readmePath);
        var requests = new List<DocumentedRequest>();
        foreach (Match curl in CurlStart().Matches(text))
        {
            var command = CommandAt(text, curl.Index);
            var body = ReadmeBody().Match(command);
            var path = ReadmePath().Match(command);
            // Only the app's requests: a body sent elsewhere (the local Partner Center's admin API) is not its contract.
            if (!body.Success || !path.Success)
            {
                continue;
            }

            var line = text[..curl.Index].Count(c => c == '\n') + 1;
            var method = Method().Match(command) is { Success: true } m ? m.Groups[1].Value : "POST";
            requests.Add(new DocumentedRequest($"README.md:{line}", method, path.Groups[1].Value, body.Groups[1].Value));
        }

        return requests;
    }

    /// <summary>
    /// Each <c>call METHOD "path" "body"</c> of scripts/demo.sh with a body: the bash escapes undone and each shell
    /// variable replaced by its name (they all sit in JSON strings or path segments).
    /// </summary>
    public static IReadOnlyList<DocumentedRequest> Demo(string demoPath)
    {
        var text = File.ReadAllText(demoPath);
        var requests = new List<DocumentedRequest>();
        foreach (Match call in DemoCall().Matches(text))
        {
            var body = Unshell(call.Groups["body"].Value.Replace("\\\"", "\"", StringComparison.Ordinal));
            if (body.Length == 0)
            {
                continue;
            }

            var line = text[..call.Index].Count(c => c == '\n') + 1;
            requests.Add(new DocumentedRequest($"scripts/demo.sh:{line}", call.Groups["method"].Value, Unshell(call.Groups["path"].Value), body));
        }

        return requests;
    }

    private static string Unshell(string text) => ShellVariable().Replace(text, v => v.Groups[1].Value);

    /// <summary>The shell command that starts at <paramref name="start"/>: up to a line end outside quotes and not escaped, a pipe or a comment.</summary>
    private static string CommandAt(string text, int start)
    {
        var command = new StringBuilder();
        char? quote = null;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is null && c == '\n' && (i == 0 || text[i - 1] != '\\'))
            {
                break;
            }

            if (quote is null && (c == '|' || (c == '#' && i > 0 && char.IsWhiteSpace(text[i - 1]))))
            {
                break;
            }

            if (c is '\'' or '"' && (quote is null || quote == c))
            {
                quote = quote is null ? c : null;
            }

            command.Append(c);
        }

        return command.ToString();
    }

    [GeneratedRegex(@"\bcurl\s")]
    private static partial Regex CurlStart();

    [GeneratedRegex(@"(?:-d|--data)\s+'([^']*)'")]
    private static partial Regex ReadmeBody();

    [GeneratedRegex(@"-X\s+([A-Z]+)")]
    private static partial Regex Method();

    [GeneratedRegex(@"\$API(/[^\s""'?]*)")]
    private static partial Regex ReadmePath();

    [GeneratedRegex(@"\bcall\s+(?<method>[A-Z]+)\s+(?:""(?<path>[^""]+)""|(?<path>[^\s""]+))\s+""(?<body>(?:[^""\\]|\\.)*)""")]
    private static partial Regex DemoCall();

    [GeneratedRegex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex ShellVariable();
}
