using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Tier2.Bench.App;

/// <summary>The workloads of <c>scripts/bench.sh durable</c>.</summary>
public static class BenchFunctions
{
    /// <summary>The 3-activity hello sequence (the Durable Functions sample).</summary>
    [Function(nameof(HelloSequence))]
    public static async Task<List<string>> HelloSequence([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return
        [
            await context.CallActivityAsync<string>(nameof(SayHello), "Tokyo"),
            await context.CallActivityAsync<string>(nameof(SayHello), "Seattle"),
            await context.CallActivityAsync<string>(nameof(SayHello), "London"),
        ];
    }

    /// <summary>Fan-out/fan-in: N activities at once, then their sum.</summary>
    [Function(nameof(FanOutFanIn))]
    public static async Task<int> FanOutFanIn([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int n = context.GetInput<int>();
        int[] lengths = await Task.WhenAll(Enumerable.Range(0, n).Select(i => context.CallActivityAsync<int>(nameof(Measure), $"item-{i}")));
        return lengths.Sum();
    }

    /// <summary>The hello activity.</summary>
    [Function(nameof(SayHello))]
    public static string SayHello([ActivityTrigger] string name) => $"Hello {name}!";

    /// <summary>The fan-out activity.</summary>
    [Function(nameof(Measure))]
    public static int Measure([ActivityTrigger] string text) => text?.Length ?? 0;

    /// <summary>
    /// POST /api/start/{name}?count=N&amp;input=I: schedules N instances of orchestrator <paramref name="name"/>
    /// (HelloSequence or FanOutFanIn); answers their ids, one a line.
    /// </summary>
    [Function("Start")]
    public static async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "start/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        int count = int.TryParse(request.Query["count"], out int c) ? c : 1;
        object? input = int.TryParse(request.Query["input"], out int i) ? i : null;
        string[] ids = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            client.ScheduleNewOrchestrationInstanceAsync(name, input, request.HttpContext.RequestAborted)));
        return Results.Text(string.Join('\n', ids));
    }

    /// <summary>GET /api/health: the host is up.</summary>
    [Function("Health")]
    public static IResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) => Results.Ok();
}
