using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Tier2.Bench;

/// <summary>Raw storage rates at a given concurrency: the ceiling the runtime's own requests run into.</summary>
public sealed record BaselineRates(int Concurrency, double BatchCommits, double PointReads, double QueueSends, double ReceiveDeletes);

public static class Baseline
{
    public static async Task<BaselineRates> MeasureAsync(string connection, string name, int concurrency, TimeSpan duration)
    {
        var table = new TableServiceClient(connection).GetTableClient(name + "Baseline");
        var queue = new QueueServiceClient(connection, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
            .GetQueueClient(name.ToLowerInvariant() + "-baseline");
        await table.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();

        // One partition per concurrent writer, like one instance per in-flight episode: a state row guarded by its ETag.
        var etags = new ETag[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var response = await table.UpsertEntityAsync(StateRow(i, 0), TableUpdateMode.Replace);
            etags[i] = response.Headers.ETag ?? ETag.All;
        }

        var history = new byte[600];
        Random.Shared.NextBytes(history);
        var episode = new long[concurrency];

        // An episode commit: replace the state row if its ETag still matches + add one history row, in one transaction.
        var batch = await RateAsync(concurrency, duration, async w =>
        {
            var n = ++episode[w];
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, StateRow(w, n), etags[w]),
                new(TableTransactionActionType.Add, new TableEntity(Partition(w), $"h-{n:D10}") { ["D0"] = history }),
            };
            var response = await table.SubmitTransactionAsync(actions);
            etags[w] = response.Value[0].Headers.ETag ?? ETag.All;
            return true;
        });

        var reads = await RateAsync(concurrency, duration, async w =>
        {
            await table.GetEntityAsync<TableEntity>(Partition(w), "state");
            return true;
        });

        var text = $$"""{"k":"result","id":"{{Guid.NewGuid():N}}","x":"{{Guid.NewGuid():N}}","t":1,"p":"\"Hello Tokyo!\""}""";
        // Sends, then receives of one message each with the delete that settles it, on a queue as short as the runtime's
        // (Azurite's receive slows down as a queue grows): rounds of filling the queue (timed as sends) and draining it
        // (timed as receive+delete pairs), after one unmeasured round.
        var depth = concurrency * 8;
        double fillSeconds = 0, drainSeconds = 0;
        long sent = 0, pairs = 0;
        var total = Stopwatch.StartNew();
        for (var round = 0; round < 2 || total.Elapsed < duration * 2; round++)
        {
            var fill = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                for (var i = 0; i < depth / concurrency; i++)
                {
                    await queue.SendMessageAsync(text);
                }
            }));
            var fillTime = fill.Elapsed.TotalSeconds;
            var drain = Stopwatch.StartNew();
            var drained = await RunLoopsAsync(concurrency, TimeSpan.FromMinutes(1), async _ =>
            {
                var messages = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value;
                if (messages.Length == 0)
                {
                    return false;
                }

                await queue.DeleteMessageAsync(messages[0].MessageId, messages[0].PopReceipt);
                return true;
            });
            if (round > 0)
            {
                fillSeconds += fillTime;
                drainSeconds += drain.Elapsed.TotalSeconds;
                sent += depth / concurrency * concurrency;
                pairs += drained;
            }
        }

        var sends = sent / fillSeconds;
        var receives = pairs / drainSeconds;

        await table.DeleteAsync();
        await queue.DeleteIfExistsAsync();
        return new BaselineRates(concurrency, batch, reads, sends, receives);
    }

    private static string Partition(int w) => $"p{w:D3}";

    private static TableEntity StateRow(int w, long episode) => new(Partition(w), "state")
    {
        ["Name"] = "HelloSequence",
        ["Status"] = "Running",
        ["ExecutionId"] = "0123456789abcdef0123456789abcdef",
        ["Generation"] = 0,
        ["Episode"] = (int)episode,
        ["Input"] = "[\"Tokyo\",\"Seattle\",\"London\"]",
        ["CreatedAt"] = DateTimeOffset.UtcNow,
        ["LastUpdatedAt"] = DateTimeOffset.UtcNow,
    };

    /// <summary>Runs <paramref name="concurrency"/> loops of <paramref name="op"/> (after a short unmeasured warm-up); returns operations per second.</summary>
    private static async Task<double> RateAsync(int concurrency, TimeSpan duration, Func<int, Task<bool>> op)
    {
        await RunLoopsAsync(concurrency, TimeSpan.FromMilliseconds(300), op);
        var clock = Stopwatch.StartNew();
        var done = await RunLoopsAsync(concurrency, duration, op);
        return done / clock.Elapsed.TotalSeconds;
    }

    private static async Task<long> RunLoopsAsync(int concurrency, TimeSpan duration, Func<int, Task<bool>> op)
    {
        long done = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (!await op(w))
                {
                    return;
                }

                Interlocked.Increment(ref done);
            }
        }));
        return done;
    }
}
