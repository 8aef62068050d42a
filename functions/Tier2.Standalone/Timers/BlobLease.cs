using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace Tier2.Standalone.Timers;

/// <summary>
/// A held blob lease, renewed in the background, like the Functions host's singleton listener lock: while a
/// process holds it, no other runs the timer; when the holder dies the lease expires and another takes over.
/// <see cref="Lost"/> fires when renewal fails.
/// </summary>
internal sealed class BlobLease : IAsyncDisposable
{
    private readonly BlobLeaseClient client;
    private readonly CancellationTokenSource lost = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task renewal;

    private BlobLease(BlobLeaseClient client, TimeSpan duration)
    {
        this.client = client;
        this.renewal = this.RenewAsync(duration / 3);
    }

    /// <summary>Signalled when the lease could not be renewed (another process may now hold it).</summary>
    public CancellationToken Lost => this.lost.Token;

    /// <summary>Takes the lease on <paramref name="blob"/> (creating the blob), or null when another holds it.</summary>
    public static async Task<BlobLease?> TryAcquireAsync(BlobClient blob, TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Exists already (and may be leased): fine.
        }

        BlobLeaseClient leaseClient = blob.GetBlobLeaseClient();
        try
        {
            await leaseClient.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobLease(leaseClient, duration);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.stop.CancelAsync().ConfigureAwait(false);
        await this.renewal.ConfigureAwait(false);
        try
        {
            // Released at once so another process need not wait for the lease to expire.
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(2));
            await this.client.ReleaseAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            // Storage gone or the lease already lost: it expires by itself.
        }

        this.lost.Dispose();
        this.stop.Dispose();
    }

    private async Task RenewAsync(TimeSpan interval)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, this.stop.Token).ConfigureAwait(false);
                await this.client.RenewAsync(cancellationToken: this.stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (this.stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or System.Net.Http.HttpRequestException)
        {
            await this.lost.CancelAsync().ConfigureAwait(false);
        }
    }
}
