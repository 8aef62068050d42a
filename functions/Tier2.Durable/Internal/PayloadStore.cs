using System.Collections.Concurrent;
using System.Text;
using Azure;
using Azure.Storage.Blobs;

namespace Tier2.Durable.Internal;

/// <summary>
/// Large payloads live in blobs named "{instanceId}/{guid}", so purging an instance deletes exactly its prefix.
/// Blobs are immutable, so downloads are cached (bounded).
/// </summary>
internal sealed class PayloadStore(BlobContainerClient container, int maxInlineBytes)
{
    private const int CacheLimit = 256;
    private readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);

    public int MaxInlineBytes => maxInlineBytes;

    public bool IsLarge(string? json) => json is not null && Encoding.UTF8.GetByteCount(json) > maxInlineBytes;

    /// <summary>Returns (inline, blob): the payload stays inline when small, else is uploaded.</summary>
    public async Task<(string? Inline, string? Blob)> StoreAsync(string instanceId, string? json, CancellationToken ct)
    {
        if (!IsLarge(json))
        {
            return (json, null);
        }

        return (null, await StoreLargeAsync(instanceId, json!, ct).ConfigureAwait(false));
    }

    public async Task<string> StoreLargeAsync(string instanceId, string json, CancellationToken ct)
    {
        var name = $"{instanceId}/{Guid.NewGuid():N}";
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(json), overwrite: true, ct).ConfigureAwait(false);
        Remember(name, json);
        return name;
    }

    public async Task<string?> ResolveAsync(string? inline, string? blob, CancellationToken ct)
    {
        if (blob is null)
        {
            return inline;
        }

        if (_cache.TryGetValue(blob, out var cached))
        {
            return cached;
        }

        var content = await container.GetBlobClient(blob).DownloadContentAsync(ct).ConfigureAwait(false);
        var text = content.Value.Content.ToString();
        Remember(blob, text);
        return text;
    }

    public async Task<int> DeletePrefixAsync(string instanceId, CancellationToken ct)
    {
        var count = 0;
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, instanceId + "/", ct).ConfigureAwait(false))
        {
            try
            {
                await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
                count++;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Already gone.
            }

            _cache.TryRemove(item.Name, out _);
        }

        return count;
    }

    private void Remember(string name, string text)
    {
        if (_cache.Count >= CacheLimit)
        {
            _cache.Clear();
        }

        _cache[name] = text;
    }
}
