using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Functions.Hosting;

namespace Tier2.Functions.Tests.Hosting;

public sealed class CorrelatedConsoleFormatterTests
{
    [Fact]
    public void A_line_carries_the_correlation_id_and_never_the_request_path_of_its_scope()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push(new Dictionary<string, object> { ["RequestPath"] = "/api/invite/SECRET-TOKEN" });
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        using var writer = new StringWriter();

        new CorrelatedConsoleFormatter().Write(
            new LogEntry<string>(LogLevel.Warning, "Tier2.Test", new EventId(7), "something happened", null, (s, _) => s),
            scopes,
            writer);

        var line = writer.ToString();
        Assert.Contains($"correlation={activity.TraceId.ToHexString()}", line, StringComparison.Ordinal);
        Assert.Contains("warn: Tier2.Test[7]", line, StringComparison.Ordinal);
        Assert.Contains("something happened", line, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", line, StringComparison.Ordinal);
    }
}
