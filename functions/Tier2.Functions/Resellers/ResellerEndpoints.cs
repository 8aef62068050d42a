using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

/// <summary>The indirect resellers list (provider-admin): list, search, read, suspend, reactivate.</summary>
public static class ResellerEndpoints
{
    private const string ListScope = "resellers";

    [Function(nameof(ListResellers))]
    [HttpHandler(nameof(ListAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Resellers")]
    [EndpointSummary("Indirect resellers, filtered by status and searched by name or MPN ID prefix")]
    public static IResult ListResellers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resellers")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetReseller))]
    [ProducesETag]
    [HttpHandler(nameof(GetAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Resellers")]
    [EndpointSummary("An indirect reseller (ETag for If-Match)")]
    public static IResult GetReseller([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resellers/{id}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(SuspendReseller))]
    [ProducesETag]
    [HttpHandler(nameof(SuspendAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Resellers")]
    [EndpointSummary("Suspend an Active reseller: its admins keep reading but change nothing (If-Match accepted)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult SuspendReseller([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "resellers/{id}/suspend")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(ReactivateReseller))]
    [ProducesETag]
    [HttpHandler(nameof(ReactivateAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Resellers")]
    [EndpointSummary("Reactivate a Suspended reseller (If-Match accepted)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult ReactivateReseller([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "resellers/{id}/reactivate")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Ok<Page<Reseller>>, ValidationProblem>> ListAsync(
        ResellerStore store, [TakesValues(typeof(ResellerStatus))] string? status, string? search, string? continuationToken, int? pageSize, CancellationToken cancellationToken)
    {
        ResellerStatus? parsedStatus = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<ResellerStatus>(status, ignoreCase: true, out var s) || !Enum.IsDefined(s))
            {
                return Problem.Field("status", $"Unknown status '{status}'; use one of {string.Join(", ", Enum.GetNames<ResellerStatus>())}.");
            }

            parsedStatus = s;
        }

        if (search is { Length: > 100 })
        {
            return Problem.Field("search", "Search for at most 100 characters.");
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        var scope = $"{ListScope}|{parsedStatus}|{search}";
        if (Paging.Decode(scope, continuationToken, out var tableToken) is { } badToken)
        {
            return badToken;
        }

        var page = await store.ListAsync(parsedStatus, search, Paging.Size(pageSize), tableToken, cancellationToken);
        return TypedResults.Ok(page with { ContinuationToken = ContinuationToken.Encode(scope, page.ContinuationToken) });
    }

    private static async Task<Results<Ok<Reseller>, ProblemHttpResult>> GetAsync(string id, ResellerStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var reseller = await store.GetAsync(id, cancellationToken);
        if (reseller is null)
        {
            return Problem.NotFound($"Reseller '{id}'");
        }

        http.Response.Headers.ETag = reseller.ETag;
        return TypedResults.Ok(reseller);
    }

    private static Task<Results<Ok<Reseller>, ProblemHttpResult>> SuspendAsync(string id, ResellerStore store, ClaimsPrincipal user, HttpContext http, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken cancellationToken) =>
        ChangeAsync(id, ResellerStatus.Active, ResellerStatus.Suspended, store, user, http, ifMatch, cancellationToken);

    private static Task<Results<Ok<Reseller>, ProblemHttpResult>> ReactivateAsync(string id, ResellerStore store, ClaimsPrincipal user, HttpContext http, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken cancellationToken) =>
        ChangeAsync(id, ResellerStatus.Suspended, ResellerStatus.Active, store, user, http, ifMatch, cancellationToken);

    private static async Task<Results<Ok<Reseller>, ProblemHttpResult>> ChangeAsync(
        string id, ResellerStatus from, ResellerStatus to, ResellerStore store, ClaimsPrincipal user, HttpContext http, string? ifMatch, CancellationToken cancellationToken)
    {
        var result = await store.ChangeStatusAsync(id, from, to, user.Actor(), ifMatch, cancellationToken);
        if (Problem.ForChange(result, $"Reseller '{id}'") is { } problem)
        {
            return problem;
        }

        http.Response.Headers.ETag = result.Value!.ETag;
        return TypedResults.Ok(result.Value!);
    }
}
