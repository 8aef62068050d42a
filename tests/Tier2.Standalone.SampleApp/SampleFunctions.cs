using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Tier2.Standalone.SampleApp;

/// <summary>The sample's HTTP, orchestration, activity and timer functions.</summary>
public sealed class SampleFunctions(Greeter greeter, TimerLog timerLog)
{
    /// <summary>The orchestrator's input.</summary>
    public sealed record ApprovalRequest(string Name, int TimeoutSeconds);

    /// <summary>GET /api/hello/{name}: a route parameter and a DI service.</summary>
    [Function("Hello")]
    public IResult Hello(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hello/{name}")] HttpRequest request,
        string name,
        int? times)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Results.Ok(new { message = greeter.Greet(name), times = times ?? 1 });
    }

    /// <summary>POST /api/approvals/{name}: starts the approval orchestration, answers 202 with its id.</summary>
    [Function("StartApproval")]
    public static async Task<IResult> StartApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "approvals/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        int timeout = int.TryParse(request.Query["timeout"], out int t) ? t : 30;
        string instanceId = await client.ScheduleNewOrchestrationInstanceAsync(
            nameof(ApprovalOrchestrator), new ApprovalRequest(name, timeout), request.HttpContext.RequestAborted);
        return Results.Accepted($"/api/approvals/{instanceId}", new { id = instanceId });
    }

    /// <summary>
    /// Prepares (two activities with retries), then races an "Approved" event against a timer, then
    /// records the outcome with one more activity.
    /// </summary>
    [Function(nameof(ApprovalOrchestrator))]
    public static async Task<string> ApprovalOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ApprovalRequest request = context.GetInput<ApprovalRequest>()!;
        TaskOptions retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(200)));
        string greeting = await context.CallActivityAsync<string>(nameof(Prepare), request.Name, retry);
        int length = await context.CallActivityAsync<int>(nameof(Measure), greeting, retry);

        context.SetCustomStatus("waiting for approval");
        using CancellationTokenSource timerCts = new();
        Task<bool> approval = context.WaitForExternalEvent<bool>("Approved", timerCts.Token);
        Task timeout = context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(request.TimeoutSeconds), timerCts.Token);
        string outcome;
        if (await Task.WhenAny(approval, timeout) == approval)
        {
            // Cancel, not CancelAsync: orchestrator code must stay on the orchestration's thread.
            timerCts.Cancel();
            outcome = approval.Result ? "approved" : "rejected";
        }
        else
        {
            outcome = "timed out";
        }

        return await context.CallActivityAsync<string>(nameof(Record), $"{greeting} ({length}): {outcome}");
    }

    /// <summary>Builds the greeting (a DI service in an activity).</summary>
    [Function(nameof(Prepare))]
    public string Prepare([ActivityTrigger] string name) => greeter.Greet(name);

    /// <summary>Measures the greeting; honours cancellation.</summary>
    [Function(nameof(Measure))]
    public static Task<int> Measure([ActivityTrigger] string text, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(text?.Length ?? 0);
    }

    /// <summary>Returns the outcome as the orchestration's output.</summary>
    [Function(nameof(Record))]
    public static Task<string> Record([ActivityTrigger] string outcome) => Task.FromResult(outcome);

    /// <summary>A timer on the %SampleSchedule% setting.</summary>
    [Function("SampleTimer")]
    public void SampleTimer([TimerTrigger("%SampleSchedule%", RunOnStartup = true)] TimerInfo timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        timerLog.Record(timer.IsPastDue);
    }
}
