using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Durable.Queues;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>The standalone queue trigger on Azurite behaves as the Functions host does.</summary>
public sealed class StandaloneQueueTriggerTests
{
    private static async Task<(QueueClient Queue, QueueClient Poison)> CreateQueuesAsync()
    {
        var service = new QueueServiceClient(TestApp.StorageConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var name = "q" + Guid.NewGuid().ToString("N")[..20];
        var queue = service.GetQueueClient(name);
        var poison = service.GetQueueClient(name + "-poison");
        await queue.CreateAsync();
        await poison.CreateAsync();
        return (queue, poison);
    }

    private static QueueTriggerOptions FastOptions(int maxDequeueCount = 3) => new()
    {
        MaxDequeueCount = maxDequeueCount,
        VisibilityTimeout = TimeSpan.FromMilliseconds(100),
        LeaseDuration = TimeSpan.FromSeconds(2),
        MinPollingInterval = TimeSpan.FromMilliseconds(50),
        MaxPollingInterval = TimeSpan.FromMilliseconds(200),
    };

    private static Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Eventually.UntilAsync(condition, done => done, timeout);

    [Fact]
    public async Task A_message_that_keeps_failing_reaches_the_poison_queue_after_maxDequeueCount_tries()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var attempts = new ConcurrentBag<long>();
        using var listener = new QueueTriggerListener(queue, poison, (message, _) =>
        {
            attempts.Add(message.DequeueCount);
            throw new InvalidOperationException("always fails");
        }, FastOptions(maxDequeueCount: 3), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = listener.RunAsync(stop.Token);

        await queue.SendMessageAsync("poison me");
        await WaitUntilAsync(async () => (await poison.PeekMessagesAsync(1)).Value.Length == 1, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;

        Assert.Equal([1L, 2L, 3L], attempts.Order());
        var poisoned = Assert.Single((await poison.PeekMessagesAsync(10)).Value);
        Assert.Equal("poison me", poisoned.Body.ToString());
        Assert.Empty((await queue.PeekMessagesAsync(10)).Value);
        await queue.DeleteAsync();
        await poison.DeleteAsync();
    }

    [Fact]
    public async Task A_succeeding_message_is_handled_once_and_deleted()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var handled = new ConcurrentBag<string>();
        using var listener = new QueueTriggerListener(queue, poison, (message, _) =>
        {
            handled.Add(message.Body);
            return Task.CompletedTask;
        }, FastOptions(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = listener.RunAsync(stop.Token);

        await queue.SendMessageAsync("once");
        await WaitUntilAsync(() => Task.FromResult(!handled.IsEmpty), TimeSpan.FromSeconds(30));
        // Wait past the lease: a message that was not deleted would come back and be handled again.
        await Task.Delay(FastOptions().LeaseDuration + TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await run;

        Assert.Equal(["once"], handled);
        var properties = await queue.GetPropertiesAsync();
        Assert.Equal(0, properties.Value.ApproximateMessagesCount);
        Assert.Empty((await poison.PeekMessagesAsync(10)).Value);
        await queue.DeleteAsync();
        await poison.DeleteAsync();
    }

    [Fact]
    public async Task A_handler_that_outlives_its_lease_keeps_the_message_invisible_to_other_listeners()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var handled = new ConcurrentBag<string>();
        async Task Slow(QueueTriggerMessage message, CancellationToken ct)
        {
            handled.Add(message.MessageId);
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        }

        using var first = new QueueTriggerListener(queue, poison, Slow, FastOptions(), NullLogger.Instance);
        using var second = new QueueTriggerListener(queue, poison, Slow, FastOptions(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var runs = Task.WhenAll(first.RunAsync(stop.Token), second.RunAsync(stop.Token));

        await queue.SendMessageAsync("slow");
        await WaitUntilAsync(() => Task.FromResult(!handled.IsEmpty), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(6));
        await stop.CancelAsync();
        await runs;

        Assert.Single(handled);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await queue.DeleteAsync();
        await poison.DeleteAsync();
    }

    [Fact]
    public async Task The_app_in_standalone_mode_runs_a_declared_queue_function_from_its_queue()
    {
        var handled = new ConcurrentBag<string>();
        var queueName = "wi-" + Guid.NewGuid().ToString("N")[..16];
        await using var app = await TestApp.StartAsync(map: m => m.Queue("WorkItems", queueName, (message, _, _) =>
        {
            handled.Add(message.Body);
            return Task.CompletedTask;
        }));
        var queue = new QueueServiceClient(TestApp.StorageConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }).GetQueueClient(queueName);
        var body = "hello-" + app.Prefix;
        await queue.SendMessageAsync(body);

        await WaitUntilAsync(() => Task.FromResult(handled.Contains(body)), TimeSpan.FromSeconds(30));
        await queue.DeleteAsync();
    }
}
