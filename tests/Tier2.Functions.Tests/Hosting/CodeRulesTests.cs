using System.Text.RegularExpressions;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>
/// Two rules of the code's shape, checked by reading the function app's source: a status changes only inside the
/// record that owns it (its transition methods), and a handler reads in one screen.
/// </summary>
public sealed partial class CodeRulesTests
{
    private const int MaxHandlerLines = 60;

    /// <summary>The records that own a status; their transition methods and factories are where a status is assigned.</summary>
    private static readonly string[] RecordFiles =
    [
        "CustomerImports/CustomerImport.cs",
        "Invites/Invite.cs",
        "Orders/Order.cs",
        "Orders/Order.PartnerCenter.cs",
        "Resellers/Reseller.cs",
        "Resellers/ResellerPartnerCenterLink.cs",
        "Subscriptions/Subscription.cs",
    ];

    private static string AppFolder => Path.Combine(Repository.Root, "functions", "Tier2.Functions");

    private static IEnumerable<(string Path, string[] Lines)> AppSources() =>
        Directory.EnumerateFiles(AppFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(AppFolder, f).Replace('\\', '/'), File.ReadAllLines(f)));

    [Fact]
    public void A_status_is_assigned_only_inside_the_record_that_owns_it()
    {
        // Allowed outside the records: a store's row-to-record mapping (it reads back the status a transition wrote
        // and decides nothing), and an HTTP status code (ProblemDetails.Status, PartnerCenterException.Status), not a record's state.
        var offenders = AppSources()
            .Where(source => !RecordFiles.Contains(source.Path))
            .SelectMany(source => source.Lines.Select((line, n) => (source.Path, Line: n + 1, Text: line.Trim())))
            .Where(l => StatusAssignment().IsMatch(l.Text) && !StoredStatusRead().IsMatch(l.Text) && !ProblemStatus().IsMatch(l.Text))
            .Select(l => $"{l.Path}:{l.Line}: {l.Text}")
            .ToList();

        Assert.True(offenders.Count == 0, "Assign a status through the record's transition instead:\n" + string.Join('\n', offenders));
        Assert.Contains(AppSources().Where(s => RecordFiles.Contains(s.Path)).SelectMany(s => s.Lines), l => StatusAssignment().IsMatch(l));
    }

    /// <summary>
    /// Measures, in every class that declares an HTTP handler (<c>[HttpHandler]</c>: the endpoint and page classes),
    /// each method from the first line of its signature to its closing brace (or, expression-bodied, its closing
    /// semicolon), blank lines and comments included.
    /// </summary>
    [Fact]
    public void No_method_of_an_endpoint_or_page_class_is_longer_than_a_screen()
    {
        var measured = AppSources().Where(s => s.Lines.Any(l => l.Contains("[HttpHandler(", StringComparison.Ordinal))).SelectMany(Methods).ToList();
        var tooLong = measured.Where(m => m.Lines > MaxHandlerLines).Select(m => $"{m.Name}: {m.Lines} lines").ToList();

        Assert.True(measured.Count > 50, $"Only {measured.Count} methods were measured: the scan no longer finds the handlers.");
        Assert.True(tooLong.Count == 0, $"Longer than {MaxHandlerLines} lines:\n" + string.Join('\n', tooLong));
    }

    private static IEnumerable<(string Name, int Lines)> Methods((string Path, string[] Lines) source)
    {
        var lines = source.Lines;
        for (var start = 0; start < lines.Length; start++)
        {
            if (!MemberSignature().IsMatch(lines[start]) || lines[start].Contains(" class ", StringComparison.Ordinal) || lines[start].Contains(" record ", StringComparison.Ordinal))
            {
                continue;
            }

            var body = start;
            while (body < lines.Length && lines[body] != "    {" && !lines[body].TrimEnd().EndsWith(';'))
            {
                body++;
            }

            var end = body;
            if (body < lines.Length && lines[body] == "    {")
            {
                while (end < lines.Length && lines[end] != "    }")
                {
                    end++;
                }
            }

            yield return ($"{source.Path}:{start + 1} {MethodName().Match(lines[start]).Groups[1].Value}", end - start + 1);
        }
    }

    // "Status =" that assigns: not a comparison (==), not a lambda (=>), not a parameter's default ("InviteStatus? Status = null").
    [GeneratedRegex(@"(?<![\w?]\s)\bStatus\s*=(?![=>])")]
    private static partial Regex StatusAssignment();

    [GeneratedRegex(@"^Status = Enum\.Parse<(Invite|Order|Reseller|Subscription)Status>\(e\.GetString\(""Status""\)\),$")]
    private static partial Regex StoredStatusRead();

    // An HTTP status code (a problem's, or the one Partner Center answered, kept on its exception): not a record's state.
    [GeneratedRegex(@"ProblemDetails = \{ Status = status,|^(problem\.)?Status = status;$")]
    private static partial Regex ProblemStatus();

    // A member declared at class level (four spaces in) whose first parenthesis comes before any '=': a method.
    [GeneratedRegex(@"^    (public|private|internal|protected)\b[^=]*\(")]
    private static partial Regex MemberSignature();

    [GeneratedRegex(@"(\w+)(<[^(]*>)?\(")]
    private static partial Regex MethodName();
}
