using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tier2.Standalone.Catalog;

namespace Tier2.Standalone.Durable;

/// <summary>
/// An activity function as an <see cref="ITaskActivity"/>: its input type is the trigger parameter's type;
/// the function's class comes from a DI scope per execution.
/// </summary>
internal sealed class FunctionActivity(FunctionDescriptor function, IServiceProvider services) : ITaskActivity
{
    public Type InputType => function.TriggerType;

    public Type OutputType => FunctionInvoker.ResultType(function.Method.ReturnType);

    public async Task<object?> RunAsync(TaskActivityContext context, object? input)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        object?[] arguments = [.. function.Parameters.Select(p => p.Source switch
        {
            ParameterSource.Trigger => input,
            ParameterSource.DurableClient => scope.ServiceProvider.GetRequiredService<DurableTaskClient>(),

            // DTFx gives activities no cancellation of their own: the token is the host's shutdown.
            ParameterSource.CancellationToken => scope.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping,
            _ => null,
        })];
        return await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, arguments).ConfigureAwait(false);
    }

    /// <summary>Creates a fresh shim per execution.</summary>
    internal sealed class Creator : ObjectCreator<TaskActivity>
    {
        private readonly Func<TaskActivity> create;

        public Creator(FunctionDescriptor function, DurableTaskShimFactory shims, IServiceProvider services)
        {
            this.Name = function.Name;
            this.Version = string.Empty;
            this.create = () => shims.CreateActivity(new TaskName(function.Name), new FunctionActivity(function, services));
        }

        public override TaskActivity Create() => this.create();
    }
}
