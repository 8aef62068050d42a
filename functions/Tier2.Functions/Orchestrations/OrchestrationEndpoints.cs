using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.Durable;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
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
        m.Status.ToString(),
        Parse(m.Input),
        Parse(m.Output),
        Parse(m.CustomStatus),
        m.CreatedAt,
        m.LastUpdatedAt,
        m.CompletedAt,
        m.Failure is null ? null : new FailureView(m.Failure.ErrorType, m.Failure.ErrorMessage, m.Failure.FailedStep));

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public sealed record FailureView(string Type, string Message, string? FailedStep);

public sealed record TerminateRequest(string? Reason);

/// <summary>Orchestration management (provider-admin): the Durable Functions HTTP management API, shaped for Tier2.Durable.</summary>
public static class OrchestrationEndpoints
{
    public static void MapOrchestrations(this FunctionMap functions)
    {
        functions.Get("GetOrchestration", "orchestrations/{id}", GetAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations")
            .WithSummary("Status of an orchestration: 200 when it has finished, 202 while it runs");
        functions.Get("ListOrchestrations", "orchestrations", ListAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
        functions.Post("RaiseOrchestrationEvent", "orchestrations/{id}/events/{name}", RaiseAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
        functions.Post("TerminateOrchestration", "orchestrations/{id}/terminate", (string id, TerminateRequest? body, DurableClient client, CancellationToken ct) =>
            ControlAsync(id, c => client.TerminateAsync(id, body?.Reason ?? "terminated by provider-admin", c), ct)).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
        functions.Post("SuspendOrchestration", "orchestrations/{id}/suspend", (string id, DurableClient client, CancellationToken ct) =>
            ControlAsync(id, c => client.SuspendAsync(id, "suspended by provider-admin", c), ct)).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
        functions.Post("ResumeOrchestration", "orchestrations/{id}/resume", (string id, DurableClient client, CancellationToken ct) =>
            ControlAsync(id, c => client.ResumeAsync(id, "resumed by provider-admin", c), ct)).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
        functions.Delete("PurgeOrchestration", "orchestrations/{id}", PurgeAsync).RequireAuthorization(Roles.ProviderAdminPolicy).WithTags("Orchestrations");
    }

    /// <summary>The status URL that 202 answers elsewhere in the API point to.</summary>
    public static string StatusLocation(string instanceId) => $"/api/orchestrations/{Uri.EscapeDataString(instanceId)}";

    private static async Task<Results<Ok<OrchestrationView>, Accepted<OrchestrationView>, ProblemHttpResult>> GetAsync(string id, DurableClient client, HttpContext http, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, includeInputOutput: true, cancellationToken: cancellationToken);
        if (instance is null)
        {
            return Problem.NotFound($"Orchestration '{id}'");
        }

        var view = OrchestrationView.From(instance);
        if (instance.IsTerminal)
        {
            return TypedResults.Ok(view);
        }

        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Accepted(StatusLocation(id), view);
    }

    private static async Task<Results<Ok<Page<OrchestrationView>>, ValidationProblem>> ListAsync(
        string? status, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, string? continuationToken, int? pageSize, DurableClient client, CancellationToken cancellationToken)
    {
        var statuses = new List<OrchestrationStatus>();
        foreach (var part in (status ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<OrchestrationStatus>(part, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Problem.Field("status", $"Unknown status '{part}'; use one or more of {string.Join(", ", Enum.GetNames<OrchestrationStatus>())}.");
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

        var page = await client.QueryInstancesAsync(new InstanceQuery
        {
            Statuses = statuses,
            CreatedFrom = createdFrom,
            CreatedTo = createdTo,
            PageSize = Paging.Size(pageSize),
            ContinuationToken = inner,
        }, cancellationToken);
        return TypedResults.Ok(new Page<OrchestrationView>(page.Instances.Select(OrchestrationView.From).ToList(), ContinuationToken.Encode(scope, page.ContinuationToken)));
    }

    private static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> RaiseAsync(string id, string name, HttpContext http, DurableClient client, CancellationToken cancellationToken)
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

        var result = await client.RaiseEventAsync(id, name, data, cancellationToken);
        return result switch
        {
            InstanceRequestResult.Accepted => TypedResults.Accepted(StatusLocation(id)),
            InstanceRequestResult.InstanceNotFound => Problem.NotFound($"Orchestration '{id}'"),
            _ => Problem.Conflict($"Orchestration '{id}' has finished; it takes no more events."),
        };
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> ControlAsync(string id, Func<CancellationToken, Task<InstanceRequestResult>> request, CancellationToken cancellationToken)
    {
        var result = await request(cancellationToken);
        return result switch
        {
            InstanceRequestResult.Accepted => TypedResults.Accepted(StatusLocation(id)),
            InstanceRequestResult.InstanceNotFound => Problem.NotFound($"Orchestration '{id}'"),
            _ => Problem.Conflict($"Orchestration '{id}' has finished."),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PurgeAsync(string id, DurableClient client, CancellationToken cancellationToken)
    {
        var result = await client.PurgeInstanceAsync(id, cancellationToken);
        return result switch
        {
            PurgeResult.Purged => TypedResults.NoContent(),
            PurgeResult.InstanceNotFound => Problem.NotFound($"Orchestration '{id}'"),
            _ => Problem.Conflict($"Orchestration '{id}' is still running; terminate it before deleting it."),
        };
    }
}
