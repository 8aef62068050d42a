using DurableTask.Core;
using DurableTask.Core.Middleware;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Catalog;

namespace Tier2.Standalone.Durable;

/// <summary>
/// Runs DTFx's <see cref="TaskHubWorker"/> with every orchestrator and activity function of the catalog,
/// adapted by <see cref="DurableTaskShimFactory"/>.
/// </summary>
internal sealed partial class DurableWorkerService(
    DurableEngine engine, FunctionCatalog catalog, IServiceProvider services, ILoggerFactory loggerFactory)
    : IHostedService
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly ILogger logger = loggerFactory.CreateLogger("Tier2.Standalone.Durable");
    private TaskHubWorker? worker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        List<FunctionDescriptor> orchestrators = [.. catalog.OfKind(FunctionKind.Orchestrator)];
        List<FunctionDescriptor> activities = [.. catalog.OfKind(FunctionKind.Activity)];
        if (orchestrators.Count == 0 && activities.Count == 0)
        {
            return;
        }

        await engine.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        DurableTaskShimFactory shims = new(new DurableTaskWorkerOptions { DataConverter = engine.DataConverter }, loggerFactory);
        TaskHubWorker hubWorker = new(engine.Service, new NameOnlyObjectManager<TaskOrchestration>(), new NameOnlyObjectManager<TaskActivity>(), loggerFactory)
        {
            // The shims turn failures into TaskFailureDetails; DTFx must carry them as such.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        hubWorker.AddTaskOrchestrations([.. orchestrators.Select(f => new FunctionOrchestration.Creator(f, shims, engine.DataConverter, services))]);
        hubWorker.AddTaskActivities([.. activities.Select(f => new FunctionActivity.Creator(f, shims, services))]);
        hubWorker.AddOrchestrationDispatcherMiddleware(SetParent);
        await hubWorker.StartAsync().ConfigureAwait(false);
        this.worker = hubWorker;
        LogStarted(this.logger, engine.HubName, orchestrators.Count, activities.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (this.worker is not { } hubWorker)
        {
            return;
        }

        try
        {
            // Not forced: in-flight work items finish and their results are checkpointed.
            await hubWorker.StopAsync(isForced: false).WaitAsync(StopTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Storage may be gone at shutdown; unfinished work is retried by whichever worker runs next.
            LogStopFailed(this.logger, e.GetType().Name, e.Message);
        }
    }

    // DTFx exposes the parent of a sub-orchestration only here; the shim wants it at creation.
    private static Task SetParent(DispatchMiddlewareContext context, Func<Task> next)
    {
        if (context.GetProperty<TaskOrchestration>() is FunctionOrchestration orchestration
            && context.GetProperty<OrchestrationRuntimeState>()?.ParentInstance is { } parent)
        {
            orchestration.Parent = new ParentOrchestrationInstance(new TaskName(parent.Name), parent.OrchestrationInstance.InstanceId);
        }

        return next();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable worker started on task hub {HubName}: {Orchestrators} orchestrators, {Activities} activities")]
    private static partial void LogStarted(ILogger logger, string hubName, int orchestrators, int activities);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Durable worker did not stop cleanly: {ErrorType}: {ErrorMessage}")]
    private static partial void LogStopFailed(ILogger logger, string errorType, string errorMessage);
}
