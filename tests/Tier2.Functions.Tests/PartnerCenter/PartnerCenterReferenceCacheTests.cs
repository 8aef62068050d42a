using Tier2.Functions.PartnerCenter;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>The reference-data cache's own logic, on a clock the test moves: an hour's reuse, one fetch in flight per key, no failure kept.</summary>
public sealed class PartnerCenterReferenceCacheTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public async Task An_answer_is_reused_until_its_hour_is_up_then_fetched_again()
    {
        var cache = new PartnerCenterReferenceCache(_clock);
        var fetches = 0;
        Task<string?> Fetch(CancellationToken ct) => Task.FromResult<string?>($"rules {++fetches}");

        Assert.Equal("rules 1", await cache.GetAsync("US", Fetch, CancellationToken.None));
        _clock.Advance(PartnerCenterReferenceCache.Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal("rules 1", await cache.GetAsync("US", Fetch, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("rules 2", await cache.GetAsync("US", Fetch, CancellationToken.None));
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task Keys_are_cached_apart()
    {
        var cache = new PartnerCenterReferenceCache(_clock);

        Assert.Equal("US", await cache.GetAsync("US", _ => Task.FromResult<string?>("US"), CancellationToken.None));
        Assert.Equal("DE", await cache.GetAsync("DE", _ => Task.FromResult<string?>("DE"), CancellationToken.None));
        Assert.Equal("US", await cache.GetAsync("US", _ => Task.FromResult<string?>("other"), CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_fetch_is_not_kept_and_the_next_caller_asks_again()
    {
        var cache = new PartnerCenterReferenceCache(_clock);
        var calls = 0;

        await Assert.ThrowsAsync<PartnerCenterException>(() => cache.GetAsync<string>("US", _ =>
        {
            calls++;
            throw new PartnerCenterException(PartnerCenterErrorKind.Unavailable, "down", System.Net.HttpStatusCode.ServiceUnavailable);
        }, CancellationToken.None));
        Assert.Equal("rules", await cache.GetAsync("US", _ => { calls++; return Task.FromResult<string?>("rules"); }, CancellationToken.None));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task No_answer_is_not_kept()
    {
        var cache = new PartnerCenterReferenceCache(_clock);

        Assert.Null(await cache.GetAsync("MicrosoftCustomerAgreement", _ => Task.FromResult<string?>(null), CancellationToken.None));
        Assert.Equal("template", await cache.GetAsync("MicrosoftCustomerAgreement", _ => Task.FromResult<string?>("template"), CancellationToken.None));
    }

    [Fact]
    public async Task Callers_arriving_while_a_fetch_is_in_flight_share_it()
    {
        var cache = new PartnerCenterReferenceCache(_clock);
        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetches = 0;
        Task<string?> Fetch(CancellationToken ct)
        {
            Interlocked.Increment(ref fetches);
            return answer.Task;
        }

        var waiting = Enumerable.Range(0, 5).Select(_ => cache.GetAsync("US", Fetch, CancellationToken.None)).ToList();
        // An hour passing while the fetch is in flight does not start another.
        _clock.Advance(PartnerCenterReferenceCache.Lifetime * 2);
        waiting.Add(cache.GetAsync("US", Fetch, CancellationToken.None));
        answer.SetResult("rules");

        Assert.All(await Task.WhenAll(waiting), v => Assert.Equal("rules", v));
        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_fetch_others_wait_for()
    {
        var cache = new PartnerCenterReferenceCache(_clock);
        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();
        var first = cache.GetAsync("US", _ => answer.Task, impatient.Token);
        var second = cache.GetAsync("US", _ => Task.FromResult<string?>("not shared"), CancellationToken.None);

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        answer.SetResult("rules");

        Assert.Equal("rules", await second);
        Assert.Equal("rules", await cache.GetAsync("US", _ => Task.FromResult<string?>("refetched"), CancellationToken.None));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
