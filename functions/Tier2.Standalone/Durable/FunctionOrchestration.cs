using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Tier2.Standalone.Catalog;

namespace Tier2.Standalone.Durable;

/// <summary>
/// One execution of an orchestrator function on DTFx: the shim from <see cref="DurableTaskShimFactory"/>
/// does the work (replay, timers, events, retries); this wrapper keeps the raw input so the function's
/// <c>GetInput&lt;T&gt;()</c> can deserialize it to any type, and carries the parent instance, which DTFx
/// only exposes to dispatcher middleware.
/// </summary>
internal sealed class FunctionOrchestration(
    FunctionDescriptor function, DurableTaskShimFactory shims, DataConverter dataConverter, IServiceProvider services)
    : TaskOrchestration
{
    private readonly FunctionDescriptor function = function;
    private readonly DataConverter dataConverter = dataConverter;
    private readonly IServiceProvider services = services;
    private TaskOrchestration? shim;

    /// <summary>The parent orchestration when this one runs as a sub-orchestration (set by middleware).</summary>
    public ParentOrchestrationInstance? Parent { get; set; }

    public override Task<string> Execute(OrchestrationContext context, string input)
    {
        this.shim = shims.CreateOrchestration(new TaskName(this.function.Name), new Orchestrator(this, input), this.Parent);
        return this.shim.Execute(context, input);
    }

    public override string? GetStatus() => this.shim?.GetStatus();

    public override void RaiseEvent(OrchestrationContext context, string name, string input) =>
        this.shim?.RaiseEvent(context, name, input);

    private sealed class Orchestrator(FunctionOrchestration owner, string? rawInput) : ITaskOrchestrator
    {
        // The input is not deserialized up front (see FunctionOrchestrationContext); object accepts any JSON.
        public Type InputType => typeof(object);

        public Type OutputType => FunctionInvoker.ResultType(owner.function.Method.ReturnType);

        public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            FunctionOrchestrationContext functionContext = new(context, rawInput, owner.dataConverter);
            await using AsyncServiceScope scope = owner.services.CreateAsyncScope();
            return await FunctionInvoker.InvokeAsync(owner.function, scope.ServiceProvider, [functionContext]);
        }
    }

    /// <summary>Creates a fresh <see cref="FunctionOrchestration"/> for every execution, as DTFx asks.</summary>
    internal sealed class Creator : ObjectCreator<TaskOrchestration>
    {
        private readonly Func<TaskOrchestration> create;

        public Creator(FunctionDescriptor function, DurableTaskShimFactory shims, DataConverter dataConverter, IServiceProvider services)
        {
            this.Name = function.Name;
            this.Version = string.Empty;
            this.create = () => new FunctionOrchestration(function, shims, dataConverter, services);
        }

        public override TaskOrchestration Create() => this.create();
    }
}
