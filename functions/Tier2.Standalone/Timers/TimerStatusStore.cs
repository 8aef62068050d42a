using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;

namespace Tier2.Standalone.Timers;

/// <summary>
/// The schedule monitor's status blobs, where the Functions host keeps them: container
/// <c>azure-webjobs-hosts</c>, blob <c>timers/{hostId}/{function}/status</c>, JSON with Last, Next and
/// LastUpdated. They let a restarted host tell that an occurrence was missed (past due).
/// </summary>
internal sealed class TimerStatusStore(BlobContainerClient container, string hostId)
{
    /// <summary>The container the Functions host keeps its locks and timer status in.</summary>
    public const string ContainerName = "azure-webjobs-hosts";

    public BlobClient StatusBlob(string function) => container.GetBlobClient($"timers/{hostId}/{function}/status");

    public BlobClient LockBlob(string function) => container.GetBlobClient($"locks/{hostId}/{function}.Listener");

    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<ScheduleStatus?> ReadAsync(string function, CancellationToken cancellationToken)
    {
        try
        {
            BinaryData content = (await this.StatusBlob(function).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            StatusDocument? document = content.ToObjectFromJson<StatusDocument>();
            return document is null ? null : new ScheduleStatus { Last = document.Last, Next = document.Next, LastUpdated = document.LastUpdated };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            // A damaged status is treated as none: the next write replaces it.
            return null;
        }
    }

    public async Task WriteAsync(string function, ScheduleStatus status, CancellationToken cancellationToken) =>
        await this.StatusBlob(function).UploadAsync(
            BinaryData.FromObjectAsJson(new StatusDocument(status.Last, status.Next, status.LastUpdated)),
            overwrite: true,
            cancellationToken).ConfigureAwait(false);

    private sealed record StatusDocument(DateTime Last, DateTime Next, DateTime LastUpdated);
}
