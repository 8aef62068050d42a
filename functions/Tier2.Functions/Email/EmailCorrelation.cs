using System.Diagnostics;

namespace Tier2.Functions.Email;

/// <summary>
/// Every email carries the trace id of the work that sent it (the request, or the orchestration that the
/// request started), so a message in an inbox can be followed back to its logs and traces.
/// </summary>
public static class EmailCorrelation
{
    public const string HeaderName = "X-Tier2-Correlation-Id";

    public static string? Current() => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToString() : null;
}
