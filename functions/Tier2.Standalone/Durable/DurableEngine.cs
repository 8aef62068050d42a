using DurableTask.AzureStorage;
using Microsoft.DurableTask;

namespace Tier2.Standalone.Durable;

/// <summary>
/// The host's one DTFx Azure Storage orchestration service (shared by the worker and the client) and the
/// data converter both use.
/// </summary>
internal sealed class DurableEngine(AzureStorageOrchestrationServiceSettings settings, DataConverter dataConverter) : IDisposable
{
    private readonly Lock gate = new();
    private Task? created;

    public AzureStorageOrchestrationService Service { get; } = new(settings);

    public DataConverter DataConverter { get; } = dataConverter;

    public string HubName => settings.TaskHubName;

    /// <summary>
    /// Creates the task hub's queues, tables and containers once. Kestrel may take a request (which uses the
    /// client) before the worker's hosted service has started, so both wait on this.
    /// </summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        lock (this.gate)
        {
            // A failed attempt (storage briefly unreachable) is retried by the next caller.
            if (this.created is null || this.created.IsFaulted || this.created.IsCanceled)
            {
                this.created = this.Service.CreateIfNotExistsAsync();
            }

            return this.created.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => this.Service.Dispose();
}
