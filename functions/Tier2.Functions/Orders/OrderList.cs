using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>One line of the orders list: enough to pick an order; <c>GET /api/orders/{id}</c> has the rest.</summary>
public sealed record OrderSummary(
    string Id,
    OrderStatus Status,
    string? ResellerId,
    string? CompanyName,
    string? DomainPrefix,
    string? CustomerId,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? CompletedAt,
    string? StatusLocation)
{
    public static OrderSummary From(Order o) => new(
        o.Id, o.Status, o.ResellerId, o.Customer.CompanyName, o.DomainPrefix, o.CustomerId, o.FailureReason, o.CreatedAt, o.SubmittedAt, o.CompletedAt,
        o.InstanceId is null ? null : OrchestrationEndpoints.StatusLocation(o.InstanceId));
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Page<OrderSummary>))]
internal sealed partial class OrderListJsonContext : JsonSerializerContext;

/// <summary><c>GET /api/orders</c>: the orders a portal placed, newest first, filtered by reseller, status and creation time.</summary>
public static class OrderList
{
    [Function(nameof(ListOrders))]
    [HttpHandler(nameof(ListAsync))]
    [Tags("Orders")]
    [EndpointSummary("Orders, newest first, filtered by reseller, status and creation time; a reseller admin sees its own")]
    public static IResult ListOrders([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orders")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Ok<Page<OrderSummary>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? resellerId, [TakesValues(typeof(OrderStatus))] string? status, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, string? continuationToken, int? pageSize,
        OrderStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        OrderStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                return Problem.Field("status", $"Unknown status '{status}'; use one of {string.Join(", ", Enum.GetNames<OrderStatus>())}.");
            }

            wanted = parsed;
        }

        if (createdFrom is { } from && createdTo is { } to && from > to)
        {
            return Problem.Field("createdFrom", "createdFrom is after createdTo.");
        }

        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        resellerId = string.IsNullOrEmpty(resellerId) ? null : resellerId;
        if (!user.IsProviderAdmin())
        {
            // A reseller admin lists its own reseller's orders; another reseller's list does not exist for it.
            var own = user.ResellerId();
            if (resellerId is not null && !string.Equals(resellerId, own, StringComparison.Ordinal))
            {
                return Problem.NotFound($"Reseller '{resellerId}'");
            }

            resellerId = own;
        }

        var scope = $"orders|{resellerId}|{wanted}|{createdFrom:O}|{createdTo:O}";
        if (Paging.Decode(scope, continuationToken, out var inner) is { } badToken)
        {
            return badToken;
        }

        var page = await store.ListAsync(resellerId, wanted, createdFrom, createdTo, Paging.Size(pageSize), inner, cancellationToken);
        return TypedResults.Ok(new Page<OrderSummary>(page.Items.Select(OrderSummary.From).ToList(), ContinuationToken.Encode(scope, page.ContinuationToken)));
    }
}
