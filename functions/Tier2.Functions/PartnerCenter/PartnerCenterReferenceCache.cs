using System.Collections.Concurrent;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// Partner Center's reference data, read once an hour rather than once an order: a country's validation rules
/// (<c>GET /v1/countryvalidationrules/{iso2}</c>) and the Microsoft Customer Agreement template
/// (<c>GET /v1/agreements?agreementType=</c>). Both are the same for every customer and change with Microsoft's
/// releases, not per request (FACTS documents no cache headers or change notification for either: the hour is Tier2's
/// choice, short enough that a changed rule or a new template is picked up the same day without a restart).
/// One fetch per key is in flight at a time (callers in a burst share it); a failed fetch is never kept, so the next
/// caller asks again. Keys are few (one per country asked about, one per agreement type), so the cache stays small.
/// </summary>
public sealed class PartnerCenterReferenceCache(TimeProvider time)
{
    /// <summary>How long an answer is reused.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// The cached answer for <paramref name="key"/>, or <paramref name="fetch"/>'s (shared with concurrent callers).
    /// A fetch that throws or answers null is not kept. The fetch runs without the first caller's cancellation (another
    /// caller may be waiting for it); each caller stops waiting on its own token.
    /// </summary>
    public async Task<T?> GetAsync<T>(string key, Func<CancellationToken, Task<T?>> fetch, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(fetch);
        while (true)
        {
            var now = time.GetUtcNow();
            if (_entries.TryGetValue(key, out var current) && !current.IsExpired(now))
            {
                return (T?)await current.Value.WaitAsync(cancellationToken);
            }

            var mine = new Entry();
            var stored = current is null ? _entries.TryAdd(key, mine) : _entries.TryUpdate(key, mine, current);
            if (!stored)
            {
                continue; // another caller started a fetch first: share it.
            }

            _ = RunAsync(key, mine, fetch);
            return (T?)await mine.Value.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync<T>(string key, Entry entry, Func<CancellationToken, Task<T?>> fetch)
        where T : class
    {
        try
        {
            var value = await fetch(CancellationToken.None);
            if (value is null)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
            else
            {
                entry.KeepUntil(time.GetUtcNow() + Lifetime);
            }

            entry.Complete(value);
        }
        catch (Exception ex)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            entry.Fail(ex);
        }
    }

    private sealed class Entry
    {
        private readonly TaskCompletionSource<object?> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<object?> Value => _value.Task;

        // UTC ticks, 0 while the fetch is in flight (an entry in flight is never expired); written once, read by any thread.
        private long _expiresAtTicks;

        public bool IsExpired(DateTimeOffset now) => Volatile.Read(ref _expiresAtTicks) is var expires && expires != 0 && now.UtcTicks >= expires;

        public void KeepUntil(DateTimeOffset expiresAt) => Volatile.Write(ref _expiresAtTicks, expiresAt.UtcTicks);

        public void Complete(object? value) => _value.SetResult(value);

        public void Fail(Exception ex) => _value.SetException(ex);
    }
}
