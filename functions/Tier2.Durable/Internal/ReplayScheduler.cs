namespace Tier2.Durable.Internal;

/// <summary>
/// Runs orchestrator code on one thread, in FIFO order: a TaskScheduler for the orchestrator task and a
/// SynchronizationContext that every await in orchestrator code captures. The driver thread pumps the queue
/// until nothing is runnable, so a replay executes the same continuations in the same order every time.
/// Work posted from another thread (Task.Delay, I/O, ConfigureAwait(false)) is a determinism violation.
/// </summary>
internal sealed class ReplayScheduler : TaskScheduler
{
    private readonly Queue<(Task? Task, SendOrPostCallback? Callback, object? State)> _queue = new();
    private readonly Lock _lock = new();
    private int _threadId = -1;

    public ReplayScheduler()
    {
        Context = new ReplaySynchronizationContext(this);
    }

    public SynchronizationContext Context { get; }

    /// <summary>Set when work arrived from a foreign thread while this episode ran.</summary>
    public string? Violation { get; private set; }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>True on the thread that runs this episode (and only while it runs).</summary>
    public bool IsOnPumpThread => _threadId != -1 && Environment.CurrentManagedThreadId == _threadId;

    public void Attach() => _threadId = Environment.CurrentManagedThreadId;

    /// <summary>Runs queued work until none is left.</summary>
    public void RunUntilIdle()
    {
        while (true)
        {
            (Task? Task, SendOrPostCallback? Callback, object? State) item;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out item))
                {
                    return;
                }
            }

            if (item.Task is not null)
            {
                TryExecuteTask(item.Task);
            }
            else
            {
                item.Callback!(item.State);
            }
        }
    }

    public void Detach()
    {
        lock (_lock)
        {
            _threadId = -1;
            _queue.Clear();
        }
    }

    internal void Enqueue(Task? task, SendOrPostCallback? callback, object? state)
    {
        lock (_lock)
        {
            if (Environment.CurrentManagedThreadId != _threadId)
            {
                Violation ??= "orchestrator code awaited something that is not a durable task (Task.Delay, I/O, Task.Run or ConfigureAwait(false)); only OrchestrationContext operations may be awaited";
                if (_threadId == -1)
                {
                    return; // The episode is over: drop the stray continuation.
                }
            }

            _queue.Enqueue((task, callback, state));
        }
    }

    protected override void QueueTask(Task task) => Enqueue(task, null, null);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Environment.CurrentManagedThreadId == _threadId && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_lock)
        {
            return _queue.Where(i => i.Task is not null).Select(i => i.Task!).ToArray();
        }
    }

    private sealed class ReplaySynchronizationContext(ReplayScheduler scheduler) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) => scheduler.Enqueue(null, d, state);

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (Environment.CurrentManagedThreadId != scheduler._threadId)
            {
                throw new InvalidOperationException("Synchronous send to the orchestration thread from another thread.");
            }

            d(state);
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}
