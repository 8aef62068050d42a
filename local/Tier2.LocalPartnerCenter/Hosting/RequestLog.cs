using System.Collections.Concurrent;

namespace Tier2.LocalPartnerCenter;

/// <summary>Every API call received (headers without Authorization), and every subscription PATCH body.</summary>
internal sealed class RequestLog
{
    private readonly ConcurrentQueue<SeenRequest> _requests = new();
    private readonly ConcurrentQueue<ReceivedPatch> _patches = new();

    public IReadOnlyList<SeenRequest> Requests => [.. _requests];

    public IReadOnlyList<ReceivedPatch> Patches => [.. _patches];

    public int Count => _requests.Count;

    public void Add(SeenRequest request) => _requests.Enqueue(request);

    public void Add(ReceivedPatch patch) => _patches.Enqueue(patch);
}
