using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>
/// <c>POST /api/orders/{id}/resubmit</c>: a Failed order runs its onboarding again under a new orchestration instance
/// (<c>order-{id}-r{n}</c>), with its reserved customer id and whatever it recorded: with Partner Center, a customer
/// already created there (kept when the order failed) is not created again, an attested agreement not attested again,
/// a placed order not placed again; the run resumes at the first step not done. Its domain prefix is claimed again
/// when the failure had released it. Provider admin; If-Match required.
/// </summary>
public static class OrderResubmitEndpoint
{
    [Function(nameof(ResubmitOrder))]
    [HttpHandler(nameof(ResubmitAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Orders")]
    [EndpointSummary("Resubmit a Failed order (If-Match required): 202 to the new run's status; it resumes at the first step not done")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult ResubmitOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders/{id}/resubmit")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> ResubmitAsync(
        string id, [FromHeader(Name = "If-Match")] string? ifMatch, OrderStore store, OrderReview review, OrchestrationClient durable, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(ifMatch))
        {
            return Problem.PreconditionRequired();
        }

        var failed = await store.GetAsync(id, cancellationToken);
        if (failed is null)
        {
            return Problem.NotFound($"Order '{id}'");
        }

        if (failed.Status != OrderStatus.Failed)
        {
            return Problem.Conflict($"The order is {failed.Status}; only a Failed order can be resubmitted.");
        }

        if (ifMatch != "*" && ifMatch != failed.ETag)
        {
            return Problem.PreconditionFailed();
        }

        if ((await review.ReviewAsync(failed, cancellationToken)).Problems is { Count: > 0 } problems)
        {
            return Problem.Validation(problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()), "The order has problems; it cannot be resubmitted as it stands.");
        }

        var holder = await store.DomainHolderAsync(failed.DomainPrefix!, cancellationToken);
        if (holder is { } other && other.OrderId != failed.Id)
        {
            return Problem.Conflict($"{Customers.CustomerNames.Domain(failed.DomainPrefix!)} was taken by another order meanwhile; this order cannot be resubmitted.");
        }

        var instanceId = $"{OrderStore.InstanceIdFor(failed.Id)}-r{failed.Resubmissions + 1}";
        var result = await store.UpdateAsync(id, failed.ETag, user.Actor(), o => o.Resubmit(instanceId, time.GetUtcNow()) is { } next
            ? new OrderChange(next, "resubmitted", holder is null ? [OrderStore.ClaimDomain(o.DomainPrefix!, o.Id)] : null)
            : null, cancellationToken);
        if (result.Outcome != ChangeOutcome.Changed)
        {
            return result.Outcome == ChangeOutcome.InvalidState
                ? Problem.Conflict($"{Customers.CustomerNames.Domain(failed.DomainPrefix!)} was taken by another order meanwhile; this order cannot be resubmitted.")
                : Problem.PreconditionFailed();
        }

        await durable.StartIfMissingAsync(CustomerOnboardingOrchestration.Name, instanceId, id, cancellationToken);
        return TypedResults.Accepted(OrchestrationEndpoints.StatusLocation(instanceId), await OrderEndpoints.ViewAsync(result.Value!, review, cancellationToken));
    }
}
