using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Tier2.Functions.Tests.Orders;

/// <summary>One activity call an orchestrator made.</summary>
internal sealed record ActivityCall(string Name, object? Input, TaskOptions? Options);

/// <summary>A durable timer an orchestrator created: the test fires it; the orchestrator may cancel it.</summary>
internal sealed class FakeTimer(DateTime fireAt, CancellationToken token)
{
    private readonly TaskCompletionSource completion = new();

    public DateTime FireAt { get; } = fireAt;

    public CancellationToken Token { get; } = token;

    public Task Task => completion.Task;

    public bool Cancelled => Token.IsCancellationRequested;

    public void Fire() => completion.SetResult();

    internal void Cancel() => completion.TrySetCanceled(Token);
}

/// <summary>
/// A mocked <see cref="TaskOrchestrationContext"/> (Moq over its abstract and virtual members) that records what the
/// orchestrator does and lets a test decide what each activity returns or throws, when each timer fires and when
/// each external event arrives. Activities complete at once; timers and events complete when the test says so.
/// The constructor clears the test thread's synchronization context, so the orchestrator's continuations run
/// inline when the test completes a timer or raises an event: the orchestrator has run as far as it can when
/// <see cref="FakeTimer.Fire"/> or <see cref="Raise{T}"/> returns. Build it first thing in a test.
/// </summary>
internal sealed class FakeOrchestrationContext
{
    private readonly Dictionary<string, Func<object?, object?>> activities = new(StringComparer.Ordinal);
    private readonly List<(string Name, Type Type, object Completion)> waits = [];

    public FakeOrchestrationContext(object? input, string instanceId, DateTime now)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        Input = input;
        Now = now;
        Mock.SetupGet(c => c.InstanceId).Returns(instanceId);
        Mock.SetupGet(c => c.IsReplaying).Returns(false);
        Mock.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
        Mock.Setup(c => c.CreateReplaySafeLogger(It.IsAny<string>())).Returns(NullLogger.Instance);
        Mock.Setup(c => c.CreateReplaySafeLogger(It.IsAny<Type>())).Returns(NullLogger.Instance);
        Mock.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? status) => Statuses.Add(status));
        Mock.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns((DateTime fireAt, CancellationToken token) =>
        {
            var timer = new FakeTimer(fireAt, token);
            token.Register(timer.Cancel);
            Timers.Add(timer);
            return timer.Task;
        });
        Mock.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>())).Callback((object? newInput, bool preserve) =>
        {
            ContinuedAsNewWith = newInput;
            PreservedUnprocessedEvents = preserve;
        });
    }

    public Mock<TaskOrchestrationContext> Mock { get; } = new();

    public TaskOrchestrationContext Object => Mock.Object;

    public object? Input { get; }

    public DateTime Now { get; set; }

    public List<ActivityCall> Calls { get; } = [];

    public List<FakeTimer> Timers { get; } = [];

    public List<object?> Statuses { get; } = [];

    public object? ContinuedAsNewWith { get; private set; }

    public bool PreservedUnprocessedEvents { get; private set; }

    /// <summary>How many times the orchestrator started waiting for <paramref name="eventName"/>.</summary>
    public int WaitsFor(string eventName) => waits.Count(w => w.Name == eventName);

    public IEnumerable<string> CallNames => Calls.Select(c => c.Name);

    /// <summary>Enables <c>GetInput&lt;T&gt;</c> and <c>WaitForExternalEvent&lt;T&gt;</c> for <typeparamref name="T"/>.</summary>
    public FakeOrchestrationContext WithInputType<T>()
    {
        Mock.Setup(c => c.GetInput<T>()).Returns(() => (T?)Input);
        return this;
    }

    public FakeOrchestrationContext WithEventType<T>()
    {
        Mock.Setup(c => c.WaitForExternalEvent<T>(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns((string name, CancellationToken _) =>
        {
            var completion = new TaskCompletionSource<T>();
            waits.Add((name, typeof(T), completion));
            return completion.Task;
        });
        return this;
    }

    /// <summary>Enables <c>CallActivityAsync&lt;T&gt;</c> for results of type <typeparamref name="T"/>.</summary>
    public FakeOrchestrationContext WithResultType<T>()
    {
        Mock.Setup(c => c.CallActivityAsync<T>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName name, object? input, TaskOptions? options) => Invoke<T>(name.Name, input, options));
        return this;
    }

    /// <summary>What activity <paramref name="name"/> does: returns a result, or throws (a <see cref="TaskFailedException"/> as after its retries).</summary>
    public FakeOrchestrationContext OnActivity(string name, Func<object?, object?> run)
    {
        activities[name] = run;
        return this;
    }

    /// <summary>Delivers <paramref name="payload"/> to the oldest wait for <paramref name="eventName"/> still waiting, as Durable does.</summary>
    public void Raise<T>(string eventName, T payload)
    {
        var wait = waits.FirstOrDefault(w => w.Name == eventName && w.Type == typeof(T) && !((TaskCompletionSource<T>)w.Completion).Task.IsCompleted);
        Assert.True(wait.Completion is not null, $"The orchestrator is not waiting for {eventName}.");
        ((TaskCompletionSource<T>)wait.Completion).SetResult(payload);
    }

    public static TaskFailedException Failure(string activity, string errorType, string message, TaskFailureDetails? inner = null) =>
        new(activity, 0, new TaskFailureDetails(errorType, message, null, inner, null));

    public static TaskFailedException Failure<TException>(string activity, string message)
        where TException : Exception => Failure(activity, typeof(TException).FullName!, message);

    private Task<T> Invoke<T>(string name, object? input, TaskOptions? options)
    {
        Calls.Add(new ActivityCall(name, input, options));
        if (!activities.TryGetValue(name, out var run))
        {
            return Task.FromException<T>(new InvalidOperationException($"The test did not expect activity {name}."));
        }

        try
        {
            return Task.FromResult((T)run(input)!);
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }
}
