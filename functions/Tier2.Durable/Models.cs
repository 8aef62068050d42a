using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tier2.Durable;

public enum OrchestrationStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
    Suspended,
}

/// <summary>Why an orchestration, activity or step failed: the exception type, its message, and the step that failed.</summary>
public sealed record FailureDetails(
    string ErrorType,
    string ErrorMessage,
    string? StackTrace = null,
    string? FailedStep = null,
    FailureDetails? Inner = null)
{
    public static FailureDetails FromException(Exception exception, string? failedStep = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FailureDetails(
            exception.GetType().FullName ?? exception.GetType().Name,
            exception.Message,
            exception.StackTrace,
            failedStep,
            exception.InnerException is null ? null : FromException(exception.InnerException));
    }

    public override string ToString() => FailedStep is null ? $"{ErrorType}: {ErrorMessage}" : $"{FailedStep}: {ErrorType}: {ErrorMessage}";
}

/// <summary>One event of an instance's history, as stored (payloads are JSON text, or a blob name when large).</summary>
public sealed class HistoryEvent
{
    public HistoryEventKind Kind { get; set; }

    /// <summary>The step number of scheduled work and of its completion (activities, timers, sub-orchestrations).</summary>
    public int? TaskId { get; set; }

    /// <summary>Activity, orchestrator or event name.</summary>
    public string? Name { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    /// <summary>Input, result or event data as JSON text (null when in <see cref="PayloadBlob"/>).</summary>
    public string? Payload { get; set; }

    public string? PayloadBlob { get; set; }

    public FailureDetails? Failure { get; set; }

    public DateTimeOffset? FireAt { get; set; }

    /// <summary>A sub-orchestration's instance id.</summary>
    public string? InstanceId { get; set; }

    public override string ToString() => $"{Kind}{(Name is null ? string.Empty : $" '{Name}'")}{(TaskId is null ? string.Empty : $" #{TaskId}")}";
}

[JsonConverter(typeof(JsonStringEnumConverter<HistoryEventKind>))]
public enum HistoryEventKind
{
    OrchestratorStarted,
    ExecutionStarted,
    ActivityScheduled,
    ActivityCompleted,
    ActivityFailed,
    TimerCreated,
    TimerFired,
    SubOrchestrationScheduled,
    SubOrchestrationCompleted,
    SubOrchestrationFailed,
    EventRaised,
    ExecutionSuspended,
    ExecutionResumed,
    ExecutionCompleted,
    ExecutionFailed,
    ExecutionTerminated,
    ContinuedAsNew,
}

/// <summary>What a client sees of an instance.</summary>
public sealed class OrchestrationMetadata
{
    public required string InstanceId { get; init; }

    public required string Name { get; init; }

    public OrchestrationStatus Status { get; init; }

    public required string ExecutionId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>JSON text; null unless requested.</summary>
    public string? Input { get; init; }

    /// <summary>JSON text of the output (Completed) or the termination reason (Terminated); null unless requested.</summary>
    public string? Output { get; init; }

    /// <summary>JSON text set by <c>SetCustomStatus</c>.</summary>
    public string? CustomStatus { get; init; }

    public FailureDetails? Failure { get; init; }

    public string? ParentInstanceId { get; init; }

    /// <summary>The current execution's history; null unless requested.</summary>
    public IReadOnlyList<HistoryEvent>? History { get; init; }

    public bool IsTerminal => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;

    public T? ReadOutputAs<T>(JsonSerializerOptions options) => Output is null ? default : PayloadSerializer.Deserialize<T>(Output, options);

    public T? ReadInputAs<T>(JsonSerializerOptions options) => Input is null ? default : PayloadSerializer.Deserialize<T>(Input, options);

    public T? ReadCustomStatusAs<T>(JsonSerializerOptions options) => CustomStatus is null ? default : PayloadSerializer.Deserialize<T>(CustomStatus, options);
}

public sealed class InstanceQuery
{
    /// <summary>Only these statuses; null or empty for all.</summary>
    public IReadOnlyCollection<OrchestrationStatus>? Statuses { get; init; }

    public DateTimeOffset? CreatedFrom { get; init; }

    public DateTimeOffset? CreatedTo { get; init; }

    public int PageSize { get; init; } = 100;

    public string? ContinuationToken { get; init; }

    public bool IncludeInputOutput { get; init; }
}

public sealed record InstancePage(IReadOnlyList<OrchestrationMetadata> Instances, string? ContinuationToken);

public sealed class StartOrchestrationOptions
{
    /// <summary>The instance id; a new GUID when null.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Replace an existing instance with this id even when it is still live (a terminal one is always replaced).</summary>
    public bool ReplaceExisting { get; init; }
}

/// <summary>The answer to a request sent to an instance (raise event, terminate, suspend, resume).</summary>
public enum InstanceRequestResult
{
    /// <summary>Stored in the instance's inbox; the instance acts on it in its next episode.</summary>
    Accepted,

    /// <summary>No instance with that id.</summary>
    InstanceNotFound,

    /// <summary>The instance has completed, failed or been terminated: nothing was sent.</summary>
    InstanceNotRunning,
}

public enum PurgeResult
{
    Purged,
    InstanceNotFound,

    /// <summary>The instance is still live: terminate it first.</summary>
    InstanceNotTerminal,
}

/// <summary>Thrown when scheduling with an instance id that a live instance already uses.</summary>
public sealed class InstanceAlreadyExistsException : Exception
{
    public InstanceAlreadyExistsException()
    {
    }

    public InstanceAlreadyExistsException(string message)
        : base(message)
    {
    }

    public InstanceAlreadyExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? InstanceId { get; init; }

    public OrchestrationStatus ExistingStatus { get; init; }
}

/// <summary>Thrown into orchestrator code when an activity or sub-orchestration failed.</summary>
public sealed class TaskFailedException : Exception
{
    public TaskFailedException()
    {
        Failure = new FailureDetails("Unknown", "unknown");
    }

    public TaskFailedException(string message)
        : base(message)
    {
        Failure = new FailureDetails("Unknown", message);
    }

    public TaskFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = new FailureDetails("Unknown", message);
    }

    public TaskFailedException(string taskName, int taskId, FailureDetails failure, string failedStep)
        : base($"{failedStep} failed: {failure.ErrorType}: {failure.ErrorMessage}")
    {
        TaskName = taskName;
        TaskId = taskId;
        Failure = failure;
        FailedStep = failedStep;
    }

    public string? TaskName { get; }

    public int TaskId { get; }

    /// <summary>The failure of the activity or sub-orchestration (its exception type and message).</summary>
    public FailureDetails Failure { get; }

    /// <summary>e.g. "activity 'SendEmail' #3 (attempt 2 of 5)".</summary>
    public string? FailedStep { get; }
}

/// <summary>Checks that an instance id is usable as a table key and blob-name prefix.</summary>
public static class InstanceIds
{
    public static void Validate(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (instanceId.Length > 200)
        {
            throw new ArgumentException("Instance ids are at most 200 characters.", nameof(instanceId));
        }

        foreach (var c in instanceId)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException($"Instance id '{instanceId}' contains a character not allowed in table keys ('/', '\\', '#', '?' or a control character).", nameof(instanceId));
            }
        }
    }
}
