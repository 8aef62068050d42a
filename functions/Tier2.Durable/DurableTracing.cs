using System.Diagnostics;

namespace Tier2.Durable;

/// <summary>
/// One trace follows the work: the W3C traceparent current when an instance is scheduled is kept with the
/// instance, and every episode and activity of it runs in an <see cref="Activity"/> of source
/// <see cref="SourceName"/> under that parent. Logs written meanwhile carry the same trace id (the correlation id).
/// </summary>
public static class DurableTracing
{
    public const string SourceName = "Tier2.Durable";

    private static readonly ActivitySource Source = new(SourceName);

    internal static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    internal static Activity? Start(string name, string? traceParent, string instanceId)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = System.Diagnostics.ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, ActivityKind.Internal, parent)
            : Source.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag("tier2.instance_id", instanceId);
        return activity;
    }
}
