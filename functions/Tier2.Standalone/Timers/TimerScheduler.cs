using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Catalog;

namespace Tier2.Standalone.Timers;

/// <summary>A timer function with its parsed schedule and options.</summary>
internal sealed record TimerFunction(FunctionDescriptor Function, TimerSchedule Schedule, bool RunOnStartup, bool UseMonitor);

/// <summary>How long locks last and how often a waiting process tries to take one over.</summary>
internal sealed record TimerLockSettings(TimeSpan LeaseDuration, TimeSpan RecoveryPollingInterval);

/// <summary>
/// Runs every timer function on its schedule, one runner at a time across processes: each function's runner
/// first takes a blob lease (renewed while held) and only the holder invokes it. With the schedule monitor
/// (<c>useMonitor</c>, default on) the holder reads the status blob on taking over and runs a missed
/// occurrence at once with <see cref="TimerInfo.IsPastDue"/> set, as the Functions host does.
/// </summary>
internal sealed partial class TimerScheduler(
    IReadOnlyList<TimerFunction> timers,
    TimerStatusStore store,
    TimerLockSettings locks,
    IServiceProvider services,
    ILogger<TimerScheduler> logger) : BackgroundService
{
    // Task.Delay takes at most ~49 days; long waits are cut into pieces and the clock re-read.
    private static readonly TimeSpan LongestDelay = TimeSpan.FromHours(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(timers.Select(t => this.RunAsync(t, stoppingToken)));

    private async Task RunAsync(TimerFunction timer, CancellationToken stoppingToken)
    {
        string name = timer.Function.Name;
        bool storageFailing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            BlobLease? lease = null;
            try
            {
                await store.EnsureContainerAsync(stoppingToken).ConfigureAwait(false);
                lease = await BlobLease.TryAcquireAsync(store.LockBlob(name), locks.LeaseDuration, stoppingToken).ConfigureAwait(false);
                storageFailing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // Logged once per outage, not on every retry.
                if (!storageFailing)
                {
                    LogLockFailed(logger, name, e.GetType().Name, e.Message);
                }

                storageFailing = true;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (lease is null)
            {
                await Pause(locks.RecoveryPollingInterval, stoppingToken).ConfigureAwait(false);
                continue;
            }

            await using (lease.ConfigureAwait(false))
            {
                LogLockTaken(logger, name);
                using CancellationTokenSource held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                try
                {
                    await this.RunWhileHeldAsync(timer, held.Token, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (held.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogStatusFailed(logger, name, e.GetType().Name, e.Message);
                }
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                LogLockLost(logger, name);
                await Pause(locks.RecoveryPollingInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunWhileHeldAsync(TimerFunction timer, CancellationToken held, CancellationToken stoppingToken)
    {
        string name = timer.Function.Name;
        ScheduleStatus? status = null;
        bool pastDue = false;
        DateTime now = DateTime.UtcNow;
        if (timer.UseMonitor)
        {
            status = await store.ReadAsync(name, held).ConfigureAwait(false);
            if (status is null)
            {
                status = new ScheduleStatus { Last = default, Next = timer.Schedule.NextAfter(now), LastUpdated = now };
                await store.WriteAsync(name, status, held).ConfigureAwait(false);
            }
            else
            {
                // An occurrence the status promised has passed while no process held the lock.
                pastDue = status.Next != default && status.Next < now;
            }
        }

        if (timer.RunOnStartup || pastDue)
        {
            status = await this.InvokeAsync(timer, status, pastDue, now, held, stoppingToken).ConfigureAwait(false);
        }

        DateTime previous = DateTime.UtcNow;
        while (true)
        {
            DateTime next = timer.Schedule.NextAfter(previous);
            while (DateTime.UtcNow < next)
            {
                TimeSpan wait = next - DateTime.UtcNow;
                await Task.Delay(wait > LongestDelay ? LongestDelay : wait < TimeSpan.Zero ? TimeSpan.Zero : wait, held).ConfigureAwait(false);
            }

            status = await this.InvokeAsync(timer, status, false, next, held, stoppingToken).ConfigureAwait(false);

            // Occurrences that passed while the function ran are skipped, as under the Functions host.
            previous = DateTime.UtcNow > next ? DateTime.UtcNow : next;
        }
    }

    private async Task<ScheduleStatus?> InvokeAsync(
        TimerFunction timer, ScheduleStatus? status, bool isPastDue, DateTime occurrence, CancellationToken held, CancellationToken stoppingToken)
    {
        string name = timer.Function.Name;
        TimerInfo info = new() { ScheduleStatus = status, IsPastDue = isPastDue };
        try
        {
            await using AsyncServiceScope scope = services.CreateAsyncScope();
            object?[] arguments = [.. timer.Function.Parameters.Select(p => p.Source switch
            {
                ParameterSource.Trigger => (object?)info,
                ParameterSource.DurableClient => scope.ServiceProvider.GetRequiredService<DurableTaskClient>(),
                ParameterSource.CancellationToken => stoppingToken,
                _ => null,
            })];
            await FunctionInvoker.InvokeAsync(timer.Function, scope.ServiceProvider, arguments).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failed run is logged and the schedule goes on, as under the Functions host.
            LogFunctionFailed(logger, e, name);
        }

        if (!timer.UseMonitor)
        {
            return null;
        }

        DateTime now = DateTime.UtcNow;
        ScheduleStatus updated = new() { Last = occurrence, Next = timer.Schedule.NextAfter(now), LastUpdated = now };
        await store.WriteAsync(name, updated, held).ConfigureAwait(false);
        return updated;
    }

    private static async Task Pause(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Function}: this process holds the lock and runs the schedule")]
    private static partial void LogLockTaken(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Function}: lock lost; another process may run the schedule")]
    private static partial void LogLockLost(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Function}: cannot take the lock ({ErrorType}: {ErrorMessage}); retrying")]
    private static partial void LogLockFailed(ILogger logger, string function, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Function}: schedule status storage failed ({ErrorType}: {ErrorMessage}); retrying")]
    private static partial void LogStatusFailed(ILogger logger, string function, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function '{Function}' failed")]
    private static partial void LogFunctionFailed(ILogger logger, Exception exception, string function);
}
