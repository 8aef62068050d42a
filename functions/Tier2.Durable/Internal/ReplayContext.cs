using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Tier2.Durable.Internal;

/// <summary>
/// The context given to orchestrator code during one episode. Each durable call takes the next step number
/// (task id); a step already in history must be the same kind and name, or the replay diverged.
/// </summary>
internal sealed class ReplayContext : OrchestrationContext
{
    private readonly ReplayScheduler _scheduler;
    private readonly JsonSerializerOptions _options;
    private readonly Func<HistoryEvent, string?> _payloadOf;
    private readonly Dictionary<int, HistoryEvent> _historySteps;
    private readonly Dictionary<int, TaskCompletionSource<HistoryEvent>> _pending = [];
    private readonly Dictionary<int, HistoryEvent> _earlyCompletions = [];
    private readonly HashSet<int> _requested = [];
    private readonly HashSet<int> _cancelled = [];
    private readonly Dictionary<string, Queue<HistoryEvent>> _buffered = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, LinkedList<TaskCompletionSource<HistoryEvent>>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger;
    private int _nextTaskId;
    private int _guidCounter;

    public ReplayContext(
        InstanceState state,
        IReadOnlyList<HistoryEvent> history,
        ReplayScheduler scheduler,
        JsonSerializerOptions options,
        Func<HistoryEvent, string?> payloadOf,
        ILogger logger)
    {
        InstanceId = state.InstanceId;
        Name = state.Name;
        ExecutionId = state.ExecutionId;
        Generation = state.Generation;
        _scheduler = scheduler;
        _options = options;
        _payloadOf = payloadOf;
        _logger = new ReplaySafeLogger(this, logger);
        _historySteps = history
            .Where(e => e.TaskId is not null && e.Kind is HistoryEventKind.ActivityScheduled or HistoryEventKind.TimerCreated or HistoryEventKind.SubOrchestrationScheduled)
            .ToDictionary(e => e.TaskId!.Value);
    }

    public override string InstanceId { get; }

    public override string Name { get; }

    public override string ExecutionId { get; }

    public int Generation { get; }

    public override bool IsReplaying => Replaying;

    public bool Replaying { get; set; } = true;

    public override DateTime CurrentUtcDateTime => Now.UtcDateTime;

    public DateTimeOffset Now { get; set; }

    public override ILogger Logger => _logger;

    /// <summary>Steps this episode asked for that history does not have yet: the work to send.</summary>
    public List<HistoryEvent> NewActions { get; } = [];

    /// <summary>The first divergence from history found, as the error message.</summary>
    public string? Divergence { get; private set; }

    public bool CustomStatusSet { get; private set; }

    public string? CustomStatusJson { get; private set; }

    public bool ContinueAsNewRequested { get; private set; }

    public string? ContinueAsNewInput { get; private set; }

    public bool PreserveUnprocessedEvents { get; private set; }

    /// <summary>True when the last new event applied changed nothing (a cancelled timer firing, say).</summary>
    public bool LastEventWasNoOp { get; private set; }

    public bool HasDurableWork => _pending.Count > 0 || _waiters.Values.Any(w => w.Count > 0);

    public override Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var payload = PayloadSerializer.SerializeObject(input, _options);
        return retry is null
            ? CallOnceAsync<TResult>(HistoryEventKind.ActivityScheduled, name, payload, null, null)
            : WithRetryAsync(attempt => CallOnceAsync<TResult>(HistoryEventKind.ActivityScheduled, name, payload, null, attempt), retry);
    }

    public override Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null) =>
        CallActivityAsync<JsonElement?>(name, input, retry);

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null, RetryPolicy? retry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (instanceId is not null)
        {
            InstanceIds.Validate(instanceId);
        }

        var payload = PayloadSerializer.SerializeObject(input, _options);
        return retry is null
            ? CallOnceAsync<TResult>(HistoryEventKind.SubOrchestrationScheduled, name, payload, instanceId, null)
            : WithRetryAsync(attempt => CallOnceAsync<TResult>(HistoryEventKind.SubOrchestrationScheduled, name, payload, instanceId, attempt), retry);
    }

    public override Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken = default)
    {
        var fireAt = new DateTimeOffset(DateTime.SpecifyKind(fireAtUtc.ToUniversalTime(), DateTimeKind.Utc));
        var (id, task) = Schedule(HistoryEventKind.TimerCreated, null, null, fireAt, null);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                _cancelled.Add(id);
                if (_pending.Remove(id, out var tcs))
                {
                    tcs.TrySetCanceled(cancellationToken);
                }
            });
        }

        return task;
    }

    public override Task<T> WaitForExternalEvent<T>(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckThread();
        if (_buffered.TryGetValue(name, out var queue) && queue.TryDequeue(out var buffered))
        {
            return Task.FromResult(Read<T>(buffered));
        }

        var waiter = new TaskCompletionSource<HistoryEvent>();
        Waiters(name).AddLast(waiter);
        return ConvertAsync<T>(waiter.Task);
    }

    public override async Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckThread();
        if (_buffered.TryGetValue(name, out var queue) && queue.TryDequeue(out var buffered))
        {
            return Read<T>(buffered);
        }

        var waiter = new TaskCompletionSource<HistoryEvent>();
        var node = Waiters(name).AddLast(waiter);
        using var timerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = CreateTimer(CurrentUtcDateTime + timeout, timerCancel.Token);
        var winner = await Task.WhenAny(waiter.Task, timer);
        if (winner == waiter.Task)
        {
            CancelSynchronously(timerCancel);
            return Read<T>(await waiter.Task);
        }

        if (node.List is not null)
        {
            node.List.Remove(node);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TimeoutException($"Event '{name}' did not arrive within {timeout}.");
    }

    public override void SetCustomStatus(object? customStatus)
    {
        CheckThread();
        CustomStatusSet = true;
        CustomStatusJson = PayloadSerializer.SerializeObject(customStatus, _options);
    }

    public override void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents = true)
    {
        CheckThread();
        ContinueAsNewRequested = true;
        ContinueAsNewInput = PayloadSerializer.SerializeObject(newInput, _options);
        PreserveUnprocessedEvents = preserveUnprocessedEvents;
    }

    public override Guid NewGuid()
    {
        CheckThread();
        var seed = string.Create(CultureInfo.InvariantCulture, $"{InstanceId}\n{ExecutionId}\n{_guidCounter++}");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5 (name-based)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>Delivers a completion event (from history or new) to the step waiting for it.</summary>
    public void Complete(HistoryEvent completion)
    {
        var id = completion.TaskId!.Value;
        LastEventWasNoOp = false;
        if (_pending.Remove(id, out var tcs))
        {
            tcs.TrySetResult(completion);
        }
        else if (_cancelled.Contains(id))
        {
            LastEventWasNoOp = true;
        }
        else
        {
            _earlyCompletions[id] = completion;
        }
    }

    public void Raise(HistoryEvent raised)
    {
        LastEventWasNoOp = false;
        var name = raised.Name ?? string.Empty;
        if (_waiters.TryGetValue(name, out var list) && list.First is { } first)
        {
            list.RemoveFirst();
            first.Value.TrySetResult(raised);
            return;
        }

        if (!_buffered.TryGetValue(name, out var queue))
        {
            _buffered[name] = queue = new Queue<HistoryEvent>();
        }

        queue.Enqueue(raised);
    }

    /// <summary>Events that arrived but were never waited for, in arrival order.</summary>
    public List<HistoryEvent> UnprocessedEvents() =>
        _buffered.Values.SelectMany(q => q).OrderBy(e => e.Timestamp).ToList();

    /// <summary>A step recorded in history that this run never asked for: the code changed.</summary>
    public string? FindUnrequestedStep()
    {
        foreach (var (id, step) in _historySteps.OrderBy(s => s.Key))
        {
            if (!_requested.Contains(id))
            {
                return $"non-deterministic orchestration: history has {Describe(step)} but the code did not ask for it (it asked for {_requested.Count} step(s))";
            }
        }

        return null;
    }

    private static string Describe(HistoryEvent step) => step.Kind switch
    {
        HistoryEventKind.TimerCreated => $"TimerCreated #{step.TaskId}",
        _ => $"{step.Kind} '{step.Name}' #{step.TaskId}",
    };

    private static string DescribeRequest(HistoryEventKind kind, string? name, int id) => kind switch
    {
        HistoryEventKind.ActivityScheduled => $"Activity '{name}' #{id}",
        HistoryEventKind.SubOrchestrationScheduled => $"SubOrchestration '{name}' #{id}",
        _ => $"Timer #{id}",
    };

    private LinkedList<TaskCompletionSource<HistoryEvent>> Waiters(string name)
    {
        if (!_waiters.TryGetValue(name, out var list))
        {
            _waiters[name] = list = new LinkedList<TaskCompletionSource<HistoryEvent>>();
        }

        return list;
    }

    private async Task<TResult> WithRetryAsync<TResult>(Func<string, Task<TResult>> call, RetryPolicy retry)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(string.Create(CultureInfo.InvariantCulture, $"attempt {attempt} of {retry.MaxAttempts}"));
            }
            catch (TaskFailedException ex) when (attempt < retry.MaxAttempts && (retry.Handle?.Invoke(ex.Failure) ?? true))
            {
                _logger.LogInformation("{Step} failed; retrying in {Delay}", ex.FailedStep, retry.DelayAfter(attempt));
            }

            await CreateTimer(CurrentUtcDateTime + retry.DelayAfter(attempt));
        }
    }

    private async Task<TResult> CallOnceAsync<TResult>(HistoryEventKind kind, string name, string? payload, string? childId, string? attempt)
    {
        var (id, task) = Schedule(kind, name, payload, null, childId);
        var completion = await task;
        var label = kind == HistoryEventKind.ActivityScheduled ? "activity" : "sub-orchestration";
        var step = attempt is null ? $"{label} '{name}' #{id}" : $"{label} '{name}' #{id} ({attempt})";
        if (completion.Failure is { } failure)
        {
            throw new TaskFailedException(name, id, failure, step);
        }

        return Read<TResult>(completion);
    }

    private (int Id, Task<HistoryEvent> Task) Schedule(HistoryEventKind kind, string? name, string? payload, DateTimeOffset? fireAt, string? childId)
    {
        CheckThread();
        var id = _nextTaskId++;
        _requested.Add(id);
        if (Divergence is not null)
        {
            return (id, new TaskCompletionSource<HistoryEvent>().Task);
        }

        if (_historySteps.TryGetValue(id, out var recorded))
        {
            if (recorded.Kind != kind || !string.Equals(recorded.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                Divergence = $"non-deterministic orchestration: history has {Describe(recorded)} but the code asked for {DescribeRequest(kind, name, id)}";
                return (id, new TaskCompletionSource<HistoryEvent>().Task);
            }
        }
        else
        {
            if (kind == HistoryEventKind.SubOrchestrationScheduled)
            {
                childId ??= string.Create(CultureInfo.InvariantCulture, $"{InstanceId}:{Generation}:{id}");
            }

            NewActions.Add(new HistoryEvent { Kind = kind, TaskId = id, Name = name, Payload = payload, FireAt = fireAt, InstanceId = childId, Timestamp = Now });
        }

        var tcs = new TaskCompletionSource<HistoryEvent>();
        if (_earlyCompletions.Remove(id, out var early))
        {
            tcs.SetResult(early);
        }
        else
        {
            _pending[id] = tcs;
        }

        return (id, tcs.Task);
    }

    // Cancel() runs the timer's cancellation callback here, on the orchestration thread; CancelAsync would run it on
    // the thread pool, which is not deterministic.
#pragma warning disable CA1849
    private static void CancelSynchronously(CancellationTokenSource source) => source.Cancel();
#pragma warning restore CA1849

    private async Task<T> ConvertAsync<T>(Task<HistoryEvent> task) => Read<T>(await task);

    private T Read<T>(HistoryEvent e)
    {
        var json = _payloadOf(e);
        return json is null ? default! : PayloadSerializer.Deserialize<T>(json, _options)!;
    }

    private void CheckThread()
    {
        if (!_scheduler.IsOnPumpThread)
        {
            throw new InvalidOperationException("Orchestrator code called the orchestration context from outside the orchestration thread (after Task.Run, ConfigureAwait(false) or a non-durable await).");
        }
    }

    private sealed class ReplaySafeLogger(ReplayContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
