using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tier2.Bench;

/// <summary>
/// Counts every storage request that reaches the wire (each one is a billed transaction), by service and kind.
/// Added per retry (<see cref="HttpPipelinePosition.PerRetry"/>), so a retried request counts twice, as it is billed.
/// </summary>
public sealed class RequestCounter
{
    public const string QueueIdle = "queue receive (empty)";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public void Reset() => _counts.Clear();

    public HttpPipelinePolicy For(string service) => new ServicePolicy(this, service);

    private void Count(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    internal static string Classify(string service, HttpMessage message)
    {
        var path = message.Request.Uri.Path;
        var method = message.Request.Method;
        if (service == "table")
        {
            if (path.EndsWith("$batch", StringComparison.Ordinal))
            {
                return "table batch";
            }

            if (method == RequestMethod.Get)
            {
                return "table read";
            }

            return method == RequestMethod.Post ? "table insert" : "table write";
        }

        if (service == "queue" && path.EndsWith("/messages", StringComparison.Ordinal))
        {
            if (method == RequestMethod.Post)
            {
                return "queue send";
            }

            if (method == RequestMethod.Get)
            {
                var empty = message.HasResponse && message.Response.Status == 200
                    && !message.Response.Content.ToString().Contains("<QueueMessage>", StringComparison.Ordinal);
                return empty ? QueueIdle : "queue receive";
            }
        }

        if (service == "queue" && path.Contains("/messages/", StringComparison.Ordinal))
        {
            return method == RequestMethod.Delete ? "queue delete" : "queue update";
        }

        return $"{service} {method.Method.ToLowerInvariant()}";
    }

    private sealed class ServicePolicy(RequestCounter owner, string service) : HttpPipelineSynchronousPolicy
    {
        public override void OnReceivedResponse(HttpMessage message) => owner.Count(Classify(service, message));
    }
}
