using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.CustomerImports;

/// <summary>
/// A reseller's existing customers in Partner Center (provider-admin): import them into Tier2's customers (202, then poll
/// the import), and the customer relationship request link for customers that are not the reseller's yet.
/// </summary>
public static class CustomerImportEndpoints
{
    private const string ImportRoute = "resellers/{id}/customers/import";

    private const string Tag = "Resellers";

    [Function(nameof(ImportResellerCustomers))]
    [HttpHandler(nameof(StartAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("Import the reseller's customers from Partner Center: 202 with Location to the import's status (a running import is answered, not repeated)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status503ServiceUnavailable)]
    public static IResult ImportResellerCustomers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ImportRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(GetResellerCustomerImport))]
    [HttpHandler(nameof(StatusAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("The reseller's latest customer import: 202 while it runs, 200 with the counts (listed, linked, imported, unchanged, skipped) once it ended")]
    public static IResult GetResellerCustomerImport([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ImportRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetResellerRelationshipRequest))]
    [HttpHandler(nameof(RelationshipRequestAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags(Tag)]
    [EndpointSummary("The link a customer follows to accept a reseller relationship with the provider and this reseller, as Partner Center gave it (stored; refresh=true asks again)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status422UnprocessableEntity)]
    [ProducesProblem(StatusCodes.Status502BadGateway)]
    [ProducesProblem(StatusCodes.Status503ServiceUnavailable)]
    public static IResult GetResellerRelationshipRequest([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resellers/{id}/relationship-request")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Accepted<CustomerImport>, ProblemHttpResult>> StartAsync(
        string id, ResellerStore resellers, CustomerImportStore imports, OrchestrationClient durable, IOptions<PartnerCenterOptions> options, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var reseller = CustomerNames.IsId(id) ? await resellers.GetAsync(id, cancellationToken) : null;
        if (reseller is null)
        {
            return Problem.NotFound($"Reseller '{id}'");
        }

        if (CustomerImportProblems.RefuseUnlinked(reseller, options.Value) is { } refused)
        {
            return refused;
        }

        var importId = Guid.NewGuid().ToString("N");
        var started = await imports.ApplyAsync(id, user.Actor(), "customer-import-started", latest => CustomerImport.Start(latest, id, importId, user.Actor(), time.GetUtcNow()), cancellationToken);

        // Lost a race with another start: that one's import is the answer.
        var current = started.Value ?? await imports.GetAsync(id, cancellationToken);
        if (current is not { Status: CustomerImportStatus.Running })
        {
            return Problem.Conflict("Another import of this reseller's customers started and ended meanwhile; read its status or start again.");
        }

        // Store, then start: a Running import whose orchestration a crash left unstarted is started by the next request.
        await durable.StartIfMissingAsync(CustomerImportOrchestration.Name, CustomerImportOrchestration.InstanceId(id, current.ImportId), new CustomerImportTarget(id, current.ImportId, current.StartedBy), cancellationToken);
        return TypedResults.Accepted(ApiPaths.For(ImportRoute, id), current);
    }

    private static async Task<Results<Ok<CustomerImport>, Accepted<CustomerImport>, ProblemHttpResult>> StatusAsync(string id, CustomerImportStore imports, HttpContext http, CancellationToken cancellationToken)
    {
        var latest = CustomerNames.IsId(id) ? await imports.GetAsync(id, cancellationToken) : null;
        if (latest is null)
        {
            return Problem.NotFound($"An import of reseller '{id}''s customers");
        }

        if (latest.Status != CustomerImportStatus.Running)
        {
            return TypedResults.Ok(latest);
        }

        http.Response.Headers.RetryAfter = "5";
        return TypedResults.Accepted(ApiPaths.For(ImportRoute, id), latest);
    }

    private static async Task<Results<Ok<StoredRelationshipRequest>, ProblemHttpResult>> RelationshipRequestAsync(
        string id, bool? refresh, ResellerStore resellers, CustomerImportStore imports, PartnerCenterClient partnerCenter, IOptions<PartnerCenterOptions> options, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var reseller = CustomerNames.IsId(id) ? await resellers.GetAsync(id, cancellationToken) : null;
        if (reseller is null)
        {
            return Problem.NotFound($"Reseller '{id}'");
        }

        if (CustomerImportProblems.RefuseUnlinked(reseller, options.Value) is { } refused)
        {
            return refused;
        }

        // Read once and kept: a portal's read does not call Partner Center again, unless asked to or the last answer was not understood.
        var stored = refresh == true ? null : await imports.GetRelationshipRequestAsync(id, cancellationToken);
        if (stored?.Url is null)
        {
            var answer = await partnerCenter.Customers.GetRelationshipRequestForResellerAsync(reseller.TenantId.ToString("D"), cancellationToken);
            await imports.SaveRelationshipRequestAsync(id, answer, user.Actor(), cancellationToken);
            stored = await imports.GetRelationshipRequestAsync(id, cancellationToken);
        }

        return stored!.Url is null ? CustomerImportProblems.NotUnderstood(stored) : TypedResults.Ok(stored);
    }
}
