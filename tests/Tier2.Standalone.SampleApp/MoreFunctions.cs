using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Tier2.Standalone.SampleApp;

/// <summary>An IActionResult HTTP function, a sub-orchestration, and an activity that fails before it succeeds.</summary>
public static class MoreFunctions
{
    // Attempts per instance id, so a retried activity can fail a given number of times.
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    /// <summary>What <see cref="FlakyOrchestrator"/> asks of its activity.</summary>
    public sealed record FlakyRequest(string Key, int Failures);

    /// <summary>GET /api/items/{id:int}: an MVC result, with a route constraint.</summary>
    [Function("GetItem")]
    public static IActionResult GetItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id:int}")] HttpRequest request,
        int id) =>
        id == 0 ? new NotFoundResult() : new OkObjectResult(new { id, path = request?.Path.Value });

    /// <summary>Calls <see cref="ChildOrchestrator"/> and returns what it saw.</summary>
    [Function(nameof(ParentOrchestrator))]
    public static async Task<string> ParentOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int value = context.GetInput<int>();
        return await context.CallSubOrchestratorAsync<string>(nameof(ChildOrchestrator), value * 2);
    }

    /// <summary>Returns its parent's id and its input.</summary>
    [Function(nameof(ChildOrchestrator))]
    public static Task<string> ChildOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult($"{context.Parent?.InstanceId}:{context.GetInput<int>()}");
    }

    /// <summary>Calls <see cref="Flaky"/> with up to three attempts.</summary>
    [Function(nameof(FlakyOrchestrator))]
    public static async Task<int> FlakyOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        FlakyRequest request = context.GetInput<FlakyRequest>()!;
        TaskOptions retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(100)));
        return await context.CallActivityAsync<int>(nameof(Flaky), request, retry);
    }

    /// <summary>Fails the first <see cref="FlakyRequest.Failures"/> attempts, then returns the attempt number.</summary>
    [Function(nameof(Flaky))]
    public static int Flaky([ActivityTrigger] FlakyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int attempt = Attempts.AddOrUpdate(request.Key, 1, (_, n) => n + 1);
        return attempt <= request.Failures
            ? throw new InvalidOperationException($"attempt {attempt} fails")
            : attempt;
    }
}
