using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace Tier2.Durable.Queues;

/// <summary>
/// Runs a queue function the way the Functions host does: leases messages, calls the handler, deletes on
/// success, makes a failed message visible again after <see cref="QueueTriggerOptions.VisibilityTimeout"/>, and
/// moves it to <c>&lt;queue&gt;-poison</c> once its dequeue count reaches the maximum. Idle polling backs off
/// exponentially to <see cref="QueueTriggerOptions.MaxPollingInterval"/>; <see cref="Poke"/> cuts the wait short
/// when this process itself has just enqueued work.
/// </summary>
public sealed partial class QueueTriggerListener : IDisposable
{
    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly Func<QueueTriggerMessage, CancellationToken, Task> _handler;
    private readonly QueueTriggerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _inFlight;

    public QueueTriggerListener(
        QueueClient queue,
        QueueClient poisonQueue,
        Func<QueueTriggerMessage, CancellationToken, Task> handler,
        QueueTriggerOptions options,
        ILogger logger,
        TimeProvider? time = null)
    {
        _queue = queue;
        _poisonQueue = poisonQueue;
        _handler = handler;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    public string QueueName => _queue.Name;

    public void Dispose() => _wake.Dispose();

    /// <summary>Ends the current polling back-off: new messages are expected now.</summary>
    public void Poke()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already poked: one pending wake-up is enough.
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = _options.MinPollingInterval;
        var running = new List<Task>();
        var capacity = _options.BatchSize + _options.NewBatchThreshold;
        while (!cancellationToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            if (Volatile.Read(ref _inFlight) > _options.NewBatchThreshold)
            {
                await Task.WhenAny(running).WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                var want = Math.Min(_options.BatchSize, capacity - Volatile.Read(ref _inFlight));
                var response = await _queue.ReceiveMessagesAsync(Math.Max(1, want), _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
                messages = response.Value;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (RequestFailedException ex)
            {
                LogReceiveFailed(ex, _queue.Name);
                messages = [];
            }

            if (messages.Length == 0)
            {
                await WaitForWorkAsync(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollingInterval.Ticks));
                continue;
            }

            delay = _options.MinPollingInterval;
            foreach (var message in messages)
            {
                Interlocked.Increment(ref _inFlight);
                running.Add(ProcessAsync(message, cancellationToken));
            }
        }

        // Let in-flight messages finish their current step; the ones cut short reappear after their lease.
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task WaitForWorkAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await _wake.WaitAsync(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receipt = new LeaseReceipt(message.PopReceipt);
        var renewTask = RenewLeaseAsync(message.MessageId, receipt, renewal.Token);
        try
        {
            Exception? failure = null;
            try
            {
                await _handler(new QueueTriggerMessage(message.MessageId, message.Body?.ToString() ?? string.Empty, message.DequeueCount, message.InsertedOn), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // Shutdown: the lease expires and another worker takes the message.
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            await renewal.CancelAsync().ConfigureAwait(false);
            await renewTask.ConfigureAwait(false);
            var popReceipt = receipt.Value;

            if (failure is null)
            {
                await DeleteAsync(message.MessageId, popReceipt).ConfigureAwait(false);
                return;
            }

            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                LogPoisoned(failure, _queue.Name, message.MessageId, message.DequeueCount);
                await _poisonQueue.SendMessageAsync(message.Body?.ToString() ?? string.Empty, CancellationToken.None).ConfigureAwait(false);
                await DeleteAsync(message.MessageId, popReceipt).ConfigureAwait(false);
                return;
            }

            LogFailed(failure, _queue.Name, message.MessageId, message.DequeueCount, _options.MaxDequeueCount);
            try
            {
                await _queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: _options.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // The lease was lost; the message is visible again already.
            }
        }
        catch (RequestFailedException ex)
        {
            LogSettleFailed(ex, _queue.Name, message.MessageId);
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            try
            {
                await renewTask.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Renewal stopped.
            }

            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task DeleteAsync(string messageId, string popReceipt)
    {
        try
        {
            await _queue.DeleteMessageAsync(messageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Lease lost while processing: another worker may run the message again. Handlers are idempotent.
            LogLeaseLost(_queue.Name, messageId);
        }
    }

    private async Task RenewLeaseAsync(string messageId, LeaseReceipt receipt, CancellationToken cancellationToken)
    {
        var period = _options.LeaseDuration / 2;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, cancellationToken).ConfigureAwait(false);
                var updated = await _queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: _options.LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
                receipt.Value = updated.Value.PopReceipt;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RequestFailedException ex)
            {
                LogRenewFailed(ex, _queue.Name, messageId);
                return;
            }
        }
    }

    private sealed class LeaseReceipt(string value)
    {
        public string Value { get; set; } = value;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Receiving from queue {Queue} failed; retrying after back-off")]
    private partial void LogReceiveFailed(Exception exception, string queue);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed (attempt {DequeueCount} of {MaxDequeueCount}); it will be retried")]
    private partial void LogFailed(Exception exception, string queue, string messageId, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed {DequeueCount} times and was moved to the poison queue")]
    private partial void LogPoisoned(Exception exception, string queue, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Settling message {MessageId} on {Queue} failed")]
    private partial void LogSettleFailed(Exception exception, string queue, string messageId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Lease on message {MessageId} of {Queue} was lost before it was deleted")]
    private partial void LogLeaseLost(string queue, string messageId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Renewing the lease on message {MessageId} of {Queue} failed")]
    private partial void LogRenewFailed(Exception exception, string queue, string messageId);
}
