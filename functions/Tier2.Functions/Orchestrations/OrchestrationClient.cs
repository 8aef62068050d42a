using System.Reflection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Tier2.Functions.Orchestrations;

/// <summary>
/// How Tier2 starts and signals orchestrations, over the function's <c>[DurableClient]</c>. Every orchestration
/// that belongs to a row has an instance id derived from the row (<c>invite-…</c>, <c>order-…</c>), so "write the
/// row, then start the orchestration" survives a crash between the two: a retry, a resend or a reconciliation
/// run calls <see cref="StartIfMissingAsync"/>, which starts what is missing and nothing twice.
/// An HTTP handler takes it as a parameter (bound from the invocation); timers and jobs wrap their client.
/// </summary>
public sealed class OrchestrationClient(DurableTaskClient client)
{
    public DurableTaskClient Client { get; } = client;

    /// <summary>Minimal-API binding: the client the HTTP function passed to <see cref="Hosting.Http.HttpFunctions.Run"/>.</summary>
    public static ValueTask<OrchestrationClient?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<OrchestrationClient?>(context.Features.Get<OrchestrationClient>()
            ?? throw new InvalidOperationException($"The HTTP function for {context.GetEndpoint()?.DisplayName} must take a [DurableClient] DurableTaskClient and pass it to HttpFunctions.Run: its handler's parameter '{parameter?.Name}' needs it."));
    }

    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/> unless an instance of that id exists (in any state).</summary>
    /// <returns>True when this call started it.</returns>
    public async Task<bool> StartIfMissingAsync(TaskName orchestrator, string instanceId, object input, CancellationToken cancellationToken)
    {
        if (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return false;
        }

        try
        {
            await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Another caller may have started it between the check and the schedule; anything else is a failure.
            if (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/> unless it is pending or running; a finished instance of that id is replaced.</summary>
    public async Task StartUnlessRunningAsync(TaskName orchestrator, string instanceId, object input, CancellationToken cancellationToken)
    {
        if (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not { IsCompleted: false })
        {
            await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(instanceId), cancellationToken);
        }
    }

    /// <summary>
    /// Raises <paramref name="eventName"/>; false when no instance of that id exists or it has finished (nothing to
    /// tell). A Pending instance gets it: the engine keeps an event until the orchestration waits for it.
    /// </summary>
    public async Task<bool> RaiseEventAsync(string instanceId, string eventName, object payload, CancellationToken cancellationToken)
    {
        if (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not { IsCompleted: false })
        {
            return false;
        }

        await Client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        return true;
    }

    public Task<OrchestrationMetadata?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
}
