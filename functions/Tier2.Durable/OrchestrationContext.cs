using Microsoft.Extensions.Logging;

namespace Tier2.Durable;

/// <summary>
/// What orchestrator code may use. The orchestrator is re-run over its history; everything it awaits must come
/// from this context (no Task.Delay, I/O, Task.Run or ConfigureAwait(false)), and it must make the same calls in
/// the same order on every run.
/// </summary>
public abstract class OrchestrationContext
{
    public abstract string InstanceId { get; }

    public abstract string Name { get; }

    /// <summary>Changes on every ContinueAsNew.</summary>
    public abstract string ExecutionId { get; }

    /// <summary>True while the code re-runs over history already recorded.</summary>
    public abstract bool IsReplaying { get; }

    /// <summary>The time the current episode started: the same value on every replay.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>A logger that stays silent while replaying.</summary>
    public abstract ILogger Logger { get; }

    public abstract Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null);

    public abstract Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null);

    /// <param name="instanceId">The child's id; by default derived from this instance's id and the step number.</param>
    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null, RetryPolicy? retry = null);

    /// <summary>A durable timer; cancelling the token makes the task cancelled (the timer's message is then ignored).</summary>
    public abstract Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken = default);

    public Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken = default) => CreateTimer(CurrentUtcDateTime + delay, cancellationToken);

    /// <summary>Waits for an event raised by a client; events that arrived earlier are buffered and delivered in arrival order.</summary>
    public abstract Task<T> WaitForExternalEvent<T>(string name);

    /// <summary>As <see cref="WaitForExternalEvent{T}(string)"/>; throws <see cref="TimeoutException"/> if the event has not arrived after <paramref name="timeout"/>.</summary>
    public abstract Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout, CancellationToken cancellationToken = default);

    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>Restarts the orchestration with new input and an empty history once the orchestrator function returns.</summary>
    /// <param name="preserveUnprocessedEvents">Carry events that arrived but were not waited for into the new execution.</param>
    public abstract void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents = true);

    /// <summary>A GUID that is the same on every replay.</summary>
    public abstract Guid NewGuid();
}

/// <summary>What an activity receives besides its input.</summary>
public sealed class ActivityContext
{
    internal ActivityContext(string instanceId, string name, int taskId, int generation, long dequeueCount)
    {
        InstanceId = instanceId;
        Name = name;
        TaskId = taskId;
        DequeueCount = dequeueCount;
        IdempotencyKey = generation == 0 ? $"{instanceId}:{taskId}" : $"{instanceId}:{generation}:{taskId}";
    }

    public string InstanceId { get; }

    public string Name { get; }

    /// <summary>The step number of this call in the orchestration.</summary>
    public int TaskId { get; }

    /// <summary>How many times this work item has been delivered (more than 1 after a crash or a storage error).</summary>
    public long DequeueCount { get; }

    /// <summary>
    /// Stable across redeliveries of this call: "{instanceId}:{taskId}" ("{instanceId}:{generation}:{taskId}" after
    /// ContinueAsNew, whose task ids restart at 0). Pass it to side effects (email Operation-Id, table keys).
    /// A retry attempt is a new call with a new task id.
    /// </summary>
    public string IdempotencyKey { get; }
}
