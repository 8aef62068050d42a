using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Customers;

/// <summary>
/// The Customers page: list (filtered by indirect reseller, searched by name), detail with resellers and
/// subscriptions, and reseller relationships with existing customers (delegated administration).
/// </summary>
public static class CustomerEndpoints
{
    private const string ResellerRoute = "customers/{id}/resellers/{resellerId}";

    private const string ListScope = "customers";

    [Function(nameof(ListCustomers))]
    [HttpHandler(nameof(ListAsync))]
    [Tags("Customers")]
    [EndpointSummary("Customers, filtered by indirect reseller and searched by company name prefix; a reseller admin sees its own")]
    public static IResult ListCustomers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetCustomer))]
    [ProducesETag]
    [HttpHandler(nameof(GetAsync))]
    [Tags("Customers")]
    [EndpointSummary("A customer with its resellers and subscriptions")]
    public static IResult GetCustomer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(AddCustomerReseller))]
    [HttpHandler(nameof(AddResellerAsync))]
    [Tags("Customers")]
    [EndpointSummary("Establish a reseller relationship (delegated administration) with an existing customer (provider-admin)")]
    public static IResult AddCustomerReseller([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/resellers")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(RemoveCustomerReseller))]
    [HttpHandler(nameof(RemoveResellerAsync))]
    [Tags("Customers")]
    [EndpointSummary("End a reseller's delegated administration of a customer (provider-admin)")]
    public static IResult RemoveCustomerReseller([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ResellerRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Ok<Page<CustomerSummary>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? resellerId, string? search, string? continuationToken, int? pageSize, CustomerStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (search is { Length: > 100 })
        {
            return Problem.Field("search", "Search for at most 100 characters.");
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        if (resellerId is { Length: 0 })
        {
            resellerId = null;
        }

        if (!user.IsProviderAdmin())
        {
            // A reseller admin lists its own customers; any other reseller's list does not exist for it.
            var own = user.ResellerId();
            if (resellerId is not null && !string.Equals(resellerId, own, StringComparison.Ordinal))
            {
                return Problem.NotFound($"Reseller '{resellerId}'");
            }

            resellerId = own;
        }

        var scope = $"{ListScope}|{resellerId}|{search}";
        if (Paging.Decode(scope, continuationToken, out var tableToken) is { } badToken)
        {
            return badToken;
        }

        var page = await store.ListAsync(resellerId, search, Paging.Size(pageSize), tableToken, cancellationToken);
        var items = user.IsProviderAdmin()
            ? page.Items
            : page.Items.Select(c => c with { AssociatedPartnerId = user.VisiblePartnerId(c.AssociatedPartnerId) }).ToList();
        return TypedResults.Ok(new Page<CustomerSummary>(items, ContinuationToken.Encode(scope, page.ContinuationToken)));
    }

    private static async Task<Results<Ok<CustomerView>, ProblemHttpResult>> GetAsync(string id, CustomerStore store, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var detail = await store.GetDetailAsync(id, cancellationToken);
        if (detail is not { } found)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        if (user.IsProviderAdmin())
        {
            http.Response.Headers.ETag = found.Customer.ETag;
            return TypedResults.Ok(CustomerView.From(found.Customer, found.Resellers, found.Subscriptions));
        }

        var own = user.ResellerId();
        if (own is null || !found.Resellers.Any(r => r.ResellerId == own))
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        http.Response.Headers.ETag = found.Customer.ETag;
        return TypedResults.Ok(CustomerView.SeenBy(own, found.Customer, found.Resellers, found.Subscriptions));
    }

    private static async Task<Results<Created<CustomerReseller>, Ok<CustomerReseller>, ValidationProblem, ProblemHttpResult>> AddResellerAsync(
        string id, AddCustomerResellerRequest? request, CustomerStore store, ResellerStore resellers, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var customer = await store.GetVisibleAsync(id, user, cancellationToken);
        if (customer is null)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        if (!user.IsProviderAdmin())
        {
            return Problem.Forbidden("Only the provider establishes reseller relationships.");
        }

        if (string.IsNullOrWhiteSpace(request?.ResellerId))
        {
            return Problem.Field("resellerId", "Name the reseller to give delegated administration of this customer.");
        }

        var reseller = CustomerNames.IsId(request.ResellerId) ? await resellers.GetAsync(request.ResellerId, cancellationToken) : null;
        if (reseller is null)
        {
            return Problem.Field("resellerId", $"No partnered reseller has id '{request.ResellerId}'.");
        }

        if (reseller.Status != ResellerStatus.Active)
        {
            return Problem.Field("resellerId", $"Reseller '{reseller.CompanyName}' is {reseller.Status}; only an Active reseller can be given customers.");
        }

        var added = await store.AddResellerAsync(customer, reseller, user.Actor(), cancellationToken);
        var detail = await store.GetDetailAsync(id, cancellationToken);
        var relationship = detail?.Resellers.FirstOrDefault(r => r.ResellerId == reseller.Id);
        if (relationship is null)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        return added
            ? TypedResults.Created(ApiPaths.For(ResellerRoute, id, reseller.Id), relationship)
            : TypedResults.Ok(relationship);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveResellerAsync(
        string id, string resellerId, CustomerStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var customer = await store.GetVisibleAsync(id, user, cancellationToken);
        if (customer is null)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        if (!user.IsProviderAdmin())
        {
            return Problem.Forbidden("Only the provider ends reseller relationships.");
        }

        if (!CustomerNames.IsId(resellerId) || !await store.RemoveResellerAsync(customer, resellerId, user.Actor(), cancellationToken))
        {
            return Problem.NotFound($"Relationship of customer '{id}' with reseller '{resellerId}'");
        }

        return TypedResults.NoContent();
    }
}
