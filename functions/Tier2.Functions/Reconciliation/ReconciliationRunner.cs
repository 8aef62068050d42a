using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// Runs a job once across every instance of the app: a blob lease per job admits one run at a time (a second,
/// concurrent run is Skipped and changes nothing), the checkpoint carries bounded work over to the next run,
/// and every run that held the lease is recorded with its counts.
/// </summary>
public sealed partial class ReconciliationRunner(
    BlobServiceClient blobs,
    TableServiceClient tables,
    StorageNames names,
    TimeProvider time,
    ILogger<ReconciliationRunner> logger)
{
    public const string RunsTable = "ReconciliationRuns";
    public const string LeaseContainer = "reconciliation";
    private const string CheckpointPartition = "checkpoint";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    public TableClient Runs => tables.GetTableClient(names.Table(RunsTable));

    public async Task<ReconciliationRun> RunAsync(IReconciliationJob job, int budget, Orchestrations.OrchestrationClient orchestrations, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(names.Queue(LeaseContainer));
        var lockBlob = container.GetBlobClient($"{job.Name}.lock");
        try
        {
            await lockBlob.UploadAsync(BinaryData.FromString(job.Name), overwrite: false, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // The lock blob exists already (it is created once and leased thereafter).
        }

        var lease = lockBlob.GetBlobLeaseClient();
        var started = time.GetUtcNow();
        var runId = (DateTimeOffset.MaxValue.UtcTicks - started.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            LogSkipped(job.Name);
            return new ReconciliationRun(job.Name, runId, RunStatus.Skipped, started, time.GetUtcNow(), 0, 0, 0, false, null, ["another run holds the lease"]);
        }

        using var renewal = new CancellationTokenSource();
        // Losing the lease (renewal failed) cancels the job: another instance may take over, and one run at a
        // time is the promise.
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewAsync(lease, leaseLost, renewal.Token);
        ReconciliationRun run;
        try
        {
            var checkpoint = await Runs.GetOrNullAsync<TableEntity>(CheckpointPartition, job.Name, cancellationToken);
            try
            {
                var outcome = await job.RunAsync(new JobContext(runId, checkpoint?.GetString("Checkpoint"), budget, started, orchestrations), leaseLost.Token);
                run = new ReconciliationRun(job.Name, runId, RunStatus.Succeeded, started, time.GetUtcNow(), outcome.Examined, outcome.Changed, outcome.Reported, outcome.NextCheckpoint is null, null, outcome.Details.Take(200).ToList());
                await Runs.UpsertEntityAsync(new TableEntity(CheckpointPartition, job.Name) { ["Checkpoint"] = outcome.NextCheckpoint }, TableUpdateMode.Replace, cancellationToken);
            }
            catch (OperationCanceledException) when (leaseLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(new InvalidOperationException("lease lost"), job.Name);
                run = new ReconciliationRun(job.Name, runId, RunStatus.Failed, started, time.GetUtcNow(), 0, 0, 0, false, "The job's lease was lost; the run stopped and kept no checkpoint.", []);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, job.Name);
                run = new ReconciliationRun(job.Name, runId, RunStatus.Failed, started, time.GetUtcNow(), 0, 0, 0, false, $"{ex.GetType().Name}: {ex.Message}", []);
            }

            await Runs.AddEntityAsync(ToEntity(run), cancellationToken);
            LogFinished(job.Name, run.Status, run.Examined, run.Changed, run.Reported);
            return run;
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
            }
            catch (RequestFailedException ex)
            {
                LogReleaseFailed(ex, job.Name);
            }
        }
    }

    public async Task<Storage.Page<ReconciliationRun>> ListAsync(string? job, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var filter = job is null
            ? TableClient.CreateQueryFilter($"PartitionKey ne {CheckpointPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {job}");
        await foreach (var page in Runs.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Storage.Page<ReconciliationRun>(page.Values.Select(FromEntity).ToList(), page.ContinuationToken);
        }

        return new Storage.Page<ReconciliationRun>([], null);
    }

    private static async Task RenewAsync(BlobLeaseClient lease, CancellationTokenSource leaseLost, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(LeaseDuration / 3, cancellationToken);
                await lease.RenewAsync(cancellationToken: cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RequestFailedException)
            {
                await leaseLost.CancelAsync();
                return;
            }
        }
    }

    private static TableEntity ToEntity(ReconciliationRun run) => new(run.Job, run.RunId)
    {
        ["Status"] = run.Status.ToString(),
        ["StartedAt"] = run.StartedAt,
        ["FinishedAt"] = run.FinishedAt,
        ["Examined"] = run.Examined,
        ["Changed"] = run.Changed,
        ["Reported"] = run.Reported,
        ["Complete"] = run.Complete,
        ["Error"] = run.Error,
        ["Details"] = Truncate(JsonSerializer.Serialize(run.Details, ReconciliationJsonContext.Default.IReadOnlyListString)),
    };

    private static readonly string[] TruncatedDetails = ["details truncated"];

    private static string Truncate(string json) => json.Length <= 30_000 ? json : JsonSerializer.Serialize(TruncatedDetails, ReconciliationJsonContext.Default.StringArray);

    private static ReconciliationRun FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        Enum.Parse<RunStatus>(e.GetString("Status")),
        e.GetDateTimeOffset("StartedAt") ?? default,
        e.GetDateTimeOffset("FinishedAt") ?? default,
        e.GetInt32("Examined") ?? 0,
        e.GetInt32("Changed") ?? 0,
        e.GetInt32("Reported") ?? 0,
        e.GetBoolean("Complete") ?? false,
        e.GetString("Error"),
        JsonSerializer.Deserialize(e.GetString("Details") ?? "[]", ReconciliationJsonContext.Default.IReadOnlyListString) ?? []);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Reconciliation {Job} skipped: another run holds its lease")]
    private partial void LogSkipped(string job);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Reconciliation {Job} failed")]
    private partial void LogFailed(Exception exception, string job);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Reconciliation {Job} {Status}: examined {Examined}, changed {Changed}, reported {Reported}")]
    private partial void LogFinished(string job, RunStatus status, int examined, int changed, int reported);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Releasing the lease of {Job} failed; it expires by itself")]
    private partial void LogReleaseFailed(Exception exception, string job);
}
