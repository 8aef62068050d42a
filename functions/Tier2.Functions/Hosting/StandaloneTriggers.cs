using Azure.Storage.Queues;
using Tier2.Durable.Queues;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Runs queue and timer functions when no Functions host does (scripts/run.sh, tests): one
/// <see cref="QueueTriggerListener"/> per queue function and one cron loop per timer function, calling the
/// same handlers the host's invocations call. Under the host it does nothing.
/// </summary>
public sealed partial class StandaloneTriggers(
    FunctionCatalog catalog,
    HostMode mode,
    QueueServiceClient queues,
    QueueTriggerOptions queueOptions,
    StorageReadiness readiness,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService, IQueueWakeUp
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<StandaloneTriggers>();
    private readonly Dictionary<string, QueueTriggerListener> _listeners = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public void WakeUp(string queueName)
    {
        lock (_listeners)
        {
            if (_listeners.TryGetValue(queueName, out var listener))
            {
                listener.Poke();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (mode.UnderFunctionsHost)
        {
            return;
        }

        try
        {
            await readiness.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var loops = new List<Task>();
        foreach (var function in catalog.Functions)
        {
            switch (function.Trigger)
            {
                case QueueTrigger q:
                    loops.Add(RunQueueAsync(function, q, stoppingToken));
                    break;
                case TimerTrigger t:
                    loops.Add(RunTimerAsync(function, t, stoppingToken));
                    break;
            }
        }

        await Task.WhenAll(loops);
    }

    private async Task RunQueueAsync(FunctionDefinition function, QueueTrigger trigger, CancellationToken stoppingToken)
    {
        var handler = function.QueueHandler!;
        using var listener = new QueueTriggerListener(
            queues.GetQueueClient(trigger.QueueName),
            queues.GetQueueClient(trigger.QueueName + "-poison"),
            async (message, ct) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await handler(message, scope.ServiceProvider, ct);
            },
            queueOptions,
            loggerFactory.CreateLogger("Tier2.Functions.Queue." + function.Name),
            time);
        lock (_listeners)
        {
            _listeners[trigger.QueueName] = listener;
        }

        LogQueueListening(function.Name, trigger.QueueName);
        await listener.RunAsync(stoppingToken);
    }

    private async Task RunTimerAsync(FunctionDefinition function, TimerTrigger trigger, CancellationToken stoppingToken)
    {
        var schedule = CronSchedule.Parse(trigger.Schedule, $"function '{function.Name}'");
        var handler = function.TimerHandler!;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(next.Value - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await handler(new TimerTriggerInfo(next.Value, time.GetUtcNow() - next.Value > TimeSpan.FromMinutes(1)), scope.ServiceProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // As under the host: a failed timer run is logged and the schedule goes on.
                LogTimerFailed(ex, function.Name);
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Standalone trigger: {FunctionName} listens on queue {QueueName}")]
    private partial void LogQueueListening(string functionName, string queueName);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Timer function {FunctionName} failed")]
    private partial void LogTimerFailed(Exception exception, string functionName);
}
