namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>Waits for asynchronous work (orchestrations, queues) with a generous deadline; never asserts on time.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting{(what is null ? string.Empty : " for " + what)}; last value: {value}");
            }

            await Task.Delay(200);
        }
    }
}
