namespace Tier2.Functions.Storage;

/// <summary>Something that must exist in storage before the app does its work (tables, queues, containers).</summary>
public sealed record StorageSetupStep(string Name, Func<IServiceProvider, CancellationToken, Task> RunAsync);

/// <summary>
/// Creates what the app needs in storage in the background, so Kestrel listens as early as a bare app does (cold
/// start is what a Consumption plan's first caller waits for). Requests and triggers wait for <see cref="Ready"/>;
/// a storage account that is unreachable at start is retried with back-off rather than crashing the process.
/// </summary>
public sealed partial class StorageReadiness(IServiceProvider services, IEnumerable<StorageSetupStep> steps, ILogger<StorageReadiness> logger)
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public void Start(CancellationToken stopping) => _ = RunAsync(stopping);

    private async Task RunAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await Task.WhenAll(steps.Select(step => step.RunAsync(services, stopping)));
                _ready.TrySetResult();
                LogReady(steps.Count());
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _ready.TrySetCanceled(stopping);
                return;
            }
            catch (Exception ex)
            {
                LogRetry(ex, delay);
            }

            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                _ready.TrySetCanceled(stopping);
                return;
            }

            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Storage ready ({Steps} setup steps)")]
    private partial void LogReady(int steps);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Storage setup failed; retrying in {Delay}")]
    private partial void LogRetry(Exception exception, TimeSpan delay);
}

/// <summary>Starts <see cref="StorageReadiness"/> without holding up the server's start.</summary>
public sealed class StorageReadinessService(StorageReadiness readiness, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.Start(lifetime.ApplicationStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
