using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orchestrations;

public sealed record OrchestrationView(
    string Id,
    string Name,
    string Status,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? CustomStatus,
    DateTimeOffset Created,
    DateTimeOffset LastUpdated,
    DateTimeOffset? Completed,
    FailureView? Failure)
{
    public static OrchestrationView From(OrchestrationMetadata m) => new(
        m.InstanceId,
        m.Name,
        m.RuntimeStatus.ToString(),
        Parse(m.SerializedInput),
        Parse(m.SerializedOutput),
        Parse(m.SerializedCustomStatus),
        m.CreatedAt,
        m.LastUpdatedAt,
        m.IsCompleted ? m.LastUpdatedAt : null,
        m.FailureDetails is null ? null : new FailureView(m.FailureDetails.ErrorType, m.FailureDetails.ErrorMessage, m.FailureDetails.InnerFailure?.ErrorMessage));

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // A plain string (custom status set as text by another tool) is shown as a JSON string.
            return JsonSerializer.SerializeToElement(json, OrchestrationsJsonContext.Default.String);
        }
    }
}

/// <param name="Cause">The inner failure's message (for a failed activity: why it failed).</param>
public sealed record FailureView(string Type, string Message, string? Cause);

public sealed record TerminateRequest(string? Reason);

/// <summary>
/// Orchestration management (provider-admin): the Durable Functions HTTP management API, shaped like the rest of
/// Tier2's API (problem details, paging), over the function's <c>[DurableClient]</c>.
/// </summary>
public static class OrchestrationEndpoints
{
    private const string ItemRoute = "orchestrations/{id}";

    private const string Tag = "Orchestrations";

    [Function(nameof(GetOrchestration))]
    [HttpHandler(nameof(GetAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Status of an orchestration: 200 when it has finished, 202 while it runs")]
    public static IResult GetOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(ListOrchestrations))]
    [HttpHandler(nameof(ListAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Orchestrations by status and creation time, newest pages first")]
    public static IResult ListOrchestrations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orchestrations")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(RaiseOrchestrationEvent))]
    [AcceptsAnyJson]
    [HttpHandler(nameof(RaiseAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Raise an event (JSON body) on a running orchestration")]
    public static IResult RaiseOrchestrationEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orchestrations/{id}/events/{name}")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(TerminateOrchestration))]
    [HttpHandler(nameof(TerminateAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Terminate a running orchestration (it does not compensate)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult TerminateOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orchestrations/{id}/terminate")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(SuspendOrchestration))]
    [HttpHandler(nameof(SuspendAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Suspend a running orchestration (events wait until it resumes)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult SuspendOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orchestrations/{id}/suspend")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(ResumeOrchestration))]
    [HttpHandler(nameof(ResumeAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Resume a suspended orchestration")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult ResumeOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orchestrations/{id}/resume")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(PurgeOrchestration))]
    [HttpHandler(nameof(PurgeAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Delete a finished orchestration's history")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult PurgeOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    /// <summary>The status URL that 202 answers elsewhere in the API point to.</summary>
    public static string StatusLocation(string instanceId) => ApiPaths.For(ItemRoute, instanceId);

    private static async Task<Results<Ok<OrchestrationView>, Accepted<OrchestrationView>, ProblemHttpResult>> GetAsync(string id, OrchestrationClient durable, HttpContext http, CancellationToken cancellationToken)
    {
        var instance = await durable.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return Problem.NotFound($"Orchestration '{id}'");
        }

        var view = OrchestrationView.From(instance);
        if (instance.IsCompleted)
        {
            return TypedResults.Ok(view);
        }

        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Accepted(StatusLocation(id), view);
    }

    private static async Task<Results<Ok<Page<OrchestrationView>>, ValidationProblem>> ListAsync(
        [TakesValues(typeof(OrchestrationRuntimeStatus), CommaSeparated = true)] string? status, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, string? continuationToken, int? pageSize, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var part in (status ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(part, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(part, out _))
            {
                return Problem.Field("status", $"Unknown status '{part}'; use one or more of {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
            }

            statuses.Add(parsed);
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        var scope = $"orchestrations|{string.Join(',', statuses)}|{createdFrom:O}|{createdTo:O}";
        if (Paging.Decode(scope, continuationToken, out var inner) is { } badToken)
        {
            return badToken;
        }

        var query = new OrchestrationQuery
        {
            Statuses = statuses.Count > 0 ? statuses : null,
            CreatedFrom = createdFrom,
            CreatedTo = createdTo,
            PageSize = Paging.Size(pageSize),
            ContinuationToken = inner,
        };
        await foreach (var page in durable.Client.GetAllInstancesAsync(query).AsPages(inner, Paging.Size(pageSize)).WithCancellation(cancellationToken))
        {
            return TypedResults.Ok(new Page<OrchestrationView>(page.Values.Select(OrchestrationView.From).ToList(), ContinuationToken.Encode(scope, page.ContinuationToken)));
        }

        return TypedResults.Ok(new Page<OrchestrationView>([], null));
    }

    private static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> RaiseAsync(string id, string name, HttpContext http, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        if (name.Length is 0 or > 100)
        {
            return Problem.Field("name", "An event name has 1 to 100 characters.");
        }

        JsonElement? data = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: cancellationToken);
            data = document.RootElement.Clone();
        }

        return await ControlAsync(id, durable, c => durable.Client.RaiseEventAsync(id, name, data, c), "it takes no more events", cancellationToken);
    }

    private static Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> TerminateAsync(string id, TerminateRequest? body, OrchestrationClient durable, CancellationToken cancellationToken) =>
        ControlAsync(id, durable, c => durable.Client.TerminateInstanceAsync(id, new TerminateInstanceOptions { Output = body?.Reason ?? "terminated by provider-admin" }, c), "it cannot be terminated", cancellationToken);

    private static Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> SuspendAsync(string id, OrchestrationClient durable, CancellationToken cancellationToken) =>
        ControlAsync(id, durable, c => durable.Client.SuspendInstanceAsync(id, "suspended by provider-admin", c), "it cannot be suspended", cancellationToken);

    private static Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> ResumeAsync(string id, OrchestrationClient durable, CancellationToken cancellationToken) =>
        ControlAsync(id, durable, c => durable.Client.ResumeInstanceAsync(id, "resumed by provider-admin", c), "it cannot be resumed", cancellationToken);

    /// <summary>A control request to a running instance: 404 when there is none of that id, 409 when it has finished.</summary>
    private static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> ControlAsync(
        string id, OrchestrationClient durable, Func<CancellationToken, Task> request, string whenFinished, CancellationToken cancellationToken)
    {
        var instance = await durable.GetAsync(id, cancellationToken);
        if (instance is null)
        {
            return Problem.NotFound($"Orchestration '{id}'");
        }

        if (instance.IsCompleted)
        {
            return Problem.Conflict($"Orchestration '{id}' has finished; {whenFinished}.");
        }

        await request(cancellationToken);
        return TypedResults.Accepted(StatusLocation(id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PurgeAsync(string id, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        var instance = await durable.GetAsync(id, cancellationToken);
        if (instance is null)
        {
            return Problem.NotFound($"Orchestration '{id}'");
        }

        if (!instance.IsCompleted)
        {
            return Problem.Conflict($"Orchestration '{id}' is still running; terminate it before deleting it.");
        }

        await durable.Client.PurgeInstanceAsync(id, options: null, cancellation: cancellationToken);
        return TypedResults.NoContent();
    }
}
