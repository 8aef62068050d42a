using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;

namespace Tier2.Standalone.Durable;

/// <summary>
/// The context an orchestrator function receives: the shim's context, except that <see cref="GetInput{T}"/>
/// deserializes the raw input to whatever type the function asks for. The shim deserializes the input up
/// front to the orchestrator's declared input type, but a function orchestrator declares none (it calls
/// <c>context.GetInput&lt;T&gt;()</c>), so the raw input is kept and converted on demand, as Durable
/// Functions does.
/// </summary>
internal sealed class FunctionOrchestrationContext(TaskOrchestrationContext inner, string? rawInput, DataConverter dataConverter)
    : TaskOrchestrationContext
{
    public override TaskName Name => inner.Name;

    public override string InstanceId => inner.InstanceId;

    public override ParentOrchestrationInstance? Parent => inner.Parent;

    public override DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

    public override bool IsReplaying => inner.IsReplaying;

    public override string Version => inner.Version;

    public override IReadOnlyDictionary<string, object?> Properties => inner.Properties;

    public override TaskOrchestrationEntityFeature Entities => inner.Entities;

    public override ILoggerFactory ReplaySafeLoggerFactory => inner.ReplaySafeLoggerFactory;

    protected override ILoggerFactory LoggerFactory => inner.ReplaySafeLoggerFactory;

    public override T? GetInput<T>()
        where T : default => dataConverter.Deserialize<T>(rawInput);

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null) =>
        inner.CallActivityAsync<TResult>(name, input, options);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) =>
        inner.CreateTimer(fireAt, cancellationToken);

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    public override void SendEvent(string instanceId, string eventName, object payload) =>
        inner.SendEvent(instanceId, eventName, payload);

    public override void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, options);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public override void ContinueAsNew(ContinueAsNewOptions options) => inner.ContinueAsNew(options);

    public override Guid NewGuid() => inner.NewGuid();

    public override ILogger CreateReplaySafeLogger(string categoryName) => inner.CreateReplaySafeLogger(categoryName);

    public override ILogger CreateReplaySafeLogger(Type type) => inner.CreateReplaySafeLogger(type);

    public override ILogger CreateReplaySafeLogger<T>() => inner.CreateReplaySafeLogger<T>();
}
