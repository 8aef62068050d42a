using System.Text.Json.Serialization;

namespace Tier2.Durable.Internal;

internal static class MessageKinds
{
    /// <summary>"Look at the instance": start it, read its inbox, or recover after a crash.</summary>
    public const string Wake = "wake";

    /// <summary>An activity or sub-orchestration result, carried in the message itself.</summary>
    public const string Result = "result";

    /// <summary>A durable timer: visible at (or, chained, before) its fire time.</summary>
    public const string Timer = "timer";
}

/// <summary>A message on the orchestration queue.</summary>
internal sealed class OrchestrationMessage
{
    [JsonPropertyName("k")]
    public string Kind { get; set; } = MessageKinds.Wake;

    [JsonPropertyName("id")]
    public string InstanceId { get; set; } = string.Empty;

    [JsonPropertyName("x")]
    public string? ExecutionId { get; set; }

    [JsonPropertyName("t")]
    public int? TaskId { get; set; }

    /// <summary>For results: true when the task is a sub-orchestration.</summary>
    [JsonPropertyName("sub")]
    public bool? SubOrchestration { get; set; }

    [JsonPropertyName("p")]
    public string? Payload { get; set; }

    [JsonPropertyName("pb")]
    public string? PayloadBlob { get; set; }

    [JsonPropertyName("f")]
    public FailureDetails? Failure { get; set; }

    [JsonPropertyName("at")]
    public DateTimeOffset? FireAt { get; set; }
}

/// <summary>A message on the activity queue: one activity call.</summary>
internal sealed class ActivityMessage
{
    [JsonPropertyName("id")]
    public string InstanceId { get; set; } = string.Empty;

    [JsonPropertyName("x")]
    public string ExecutionId { get; set; } = string.Empty;

    [JsonPropertyName("g")]
    public int Generation { get; set; }

    [JsonPropertyName("t")]
    public int TaskId { get; set; }

    [JsonPropertyName("n")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("p")]
    public string? Input { get; set; }

    [JsonPropertyName("pb")]
    public string? InputBlob { get; set; }

    /// <summary>W3C traceparent of the instance, so the activity's work joins the trace that started it.</summary>
    [JsonPropertyName("tp")]
    public string? TraceParent { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OrchestrationMessage))]
[JsonSerializable(typeof(ActivityMessage))]
[JsonSerializable(typeof(List<HistoryEvent>))]
[JsonSerializable(typeof(FailureDetails))]
[JsonSerializable(typeof(string))]
internal sealed partial class DurableJsonContext : JsonSerializerContext;
