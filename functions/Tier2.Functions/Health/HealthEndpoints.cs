using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;

namespace Tier2.Functions.Health;

public sealed record HealthReport(string Status, string Mode, StorageHealth Storage);

public sealed record StorageHealth(string Tables, string Queues, string Blobs);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;

/// <summary><c>GET /api/health</c>: anonymous; says whether each storage service answers, nothing more.</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    [Function(nameof(Health))]
    [HttpHandler(nameof(CheckAsync))]
    [AllowAnonymous]
    [AnswersBeforeStorageIsReady]
    [Tags("Health")]
    [EndpointSummary("Storage reachability")]
    [EndpointDescription("200 when storage answers, 503 when it does not. It takes no input and needs no token, so it has no 4xx answer.")]
    [ProducesResponseType<HealthReport>(200)]
    [ProducesResponseType<HealthReport>(503)]
    public static IResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<JsonHttpResult<HealthReport>> CheckAsync(
        TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(
            ProbeAsync(async ct => { await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, cancellationToken),
            ProbeAsync(async ct => { await foreach (var _ in queues.GetQueuesAsync(cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, cancellationToken),
            ProbeAsync(async ct => { await foreach (var _ in blobs.GetBlobContainersAsync(cancellationToken: ct).AsPages(pageSizeHint: 1)) { break; } }, cancellationToken));
        var healthy = results.All(r => r);
        var report = new HealthReport(
            healthy ? "Healthy" : "Unhealthy",
            HostName(),
            new StorageHealth(State(results[0]), State(results[1]), State(results[2])));
        return TypedResults.Json(report, HealthJsonContext.Default.HealthReport, statusCode: healthy ? 200 : 503);
    }

    /// <summary>Which host runs the app: the Functions host hands its app settings to the worker as environment variables.</summary>
    private static string HostName() =>
        Environment.GetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME") is not null ? "functions-host" : "standalone";

    private static string State(bool reachable) => reachable ? "reachable" : "unreachable";

    private static async Task<bool> ProbeAsync(Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await probe(timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or Azure.Identity.AuthenticationFailedException)
        {
            return false;
        }
    }
}
