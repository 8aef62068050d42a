using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>
/// New customers for a reseller (the seed's New customer -> New subscription -> Review -> Submit or Cancel ->
/// Confirmation). Provider-admin; a reseller admin may read its own reseller's orders, and nothing else exists for it.
/// </summary>
public static class OrderEndpoints
{
    [Function(nameof(CreateOrder))]
    [HttpHandler(nameof(CreateAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Orders")]
    [EndpointSummary("A draft order for a new customer (with a reseller, or direct); answers the review with every problem")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult CreateOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetOrder))]
    [HttpHandler(nameof(GetAsync))]
    [Tags("Orders")]
    [EndpointSummary("The order's review, progress or confirmation")]
    public static IResult GetOrder([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orders/{id}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(UpdateOrder))]
    [HttpHandler(nameof(UpdateAsync))]
    [Tags("Orders")]
    [EndpointSummary("Change a draft (If-Match required)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult UpdateOrder([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "orders/{id}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(SubmitOrder))]
    [HttpHandler(nameof(SubmitAsync))]
    [Tags("Orders")]
    [EndpointSummary("Submit a draft without problems (If-Match required, Idempotency-Key accepted): 202 to the onboarding's status")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult SubmitOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders/{id}/submit")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(CancelOrder))]
    [HttpHandler(nameof(CancelAsync))]
    [Tags("Orders")]
    [EndpointSummary("Cancel a draft, or a submitted order (what was created is undone)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult CancelOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders/{id}/cancel")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(GetOrderSetupInfo))]
    [HttpHandler(nameof(SetupInfoAsync))]
    [Tags("Orders")]
    [EndpointSummary("The admin user name and temporary password, exactly once; afterwards 410")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status410Gone)]
    public static IResult GetOrderSetupInfo([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "orders/{id}/setup-info")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Created<OrderView>, Ok<OrderView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        OrderRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        OrderStore store,
        OrderReview review,
        TimeProvider time,
        ClaimsPrincipal user,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Problem.Field("body", "Send the customer's details and the line items.");
        }

        var errors = OrderReview.CheckShape(request, isCreate: true);
        if (idempotencyKey is { Length: > 200 } or { Length: 0 })
        {
            errors["Idempotency-Key"] = ["An idempotency key has 1 to 200 characters."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var keyScope = user.IdempotencyScope();
        var requestHash = OrderStore.RequestHash(request);
        if (idempotencyKey is not null && await store.FindKeyAsync(OrderStore.CreateKeyPrefix, keyScope, idempotencyKey, cancellationToken) is { } earlier)
        {
            if (earlier.RequestHash is { } hash && hash != requestHash)
            {
                return Problem.IdempotencyKeyReused("This Idempotency-Key was used to create an order with a different body; send the same body to repeat that request, or use a new Idempotency-Key.");
            }

            if (await store.GetAsync(earlier.OrderId, cancellationToken) is { } replayed)
            {
                http.Response.Headers.ETag = replayed.ETag;
                return TypedResults.Ok(await ViewAsync(replayed, review, cancellationToken));
            }
        }

        var order = new Order
        {
            Id = OrderStore.NewId(),
            Status = OrderStatus.Draft,
            ResellerId = string.IsNullOrWhiteSpace(request.ResellerId) ? null : request.ResellerId.Trim(),
            Customer = request.Customer!,
            LineItems = request.LineItems!,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = user.Actor(),
        };
        var created = await store.CreateAsync(order, keyScope, idempotencyKey, cancellationToken, requestHash);
        if (created is null)
        {
            var winner = idempotencyKey is null ? null : await store.FindKeyAsync(OrderStore.CreateKeyPrefix, keyScope, idempotencyKey, cancellationToken);
            if (winner?.RequestHash is { } hash && hash != requestHash)
            {
                return Problem.IdempotencyKeyReused("This Idempotency-Key was used to create an order with a different body; send the same body to repeat that request, or use a new Idempotency-Key.");
            }

            var existing = winner is null ? null : await store.GetAsync(winner.Value.OrderId, cancellationToken);
            if (existing is null)
            {
                return Problem.Conflict("The order could not be created; retry.");
            }

            http.Response.Headers.ETag = existing.ETag;
            return TypedResults.Ok(await ViewAsync(existing, review, cancellationToken));
        }

        http.Response.Headers.ETag = created.ETag;
        return TypedResults.Created($"/api/orders/{created.Id}", await ViewAsync(created, review, cancellationToken));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(string id, OrderStore store, OrderReview review, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var order = await VisibleAsync(id, store, user, cancellationToken);
        if (order is null)
        {
            return Problem.NotFound($"Order '{id}'");
        }

        http.Response.Headers.ETag = order.ETag;
        return TypedResults.Ok(await ViewAsync(order, review, cancellationToken));
    }

    private static async Task<Results<Ok<OrderView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id,
        OrderRequest? request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        OrderStore store,
        OrderReview review,
        ClaimsPrincipal user,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (await ProviderOnlyAsync(id, store, user, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (string.IsNullOrEmpty(ifMatch))
        {
            return Problem.PreconditionRequired();
        }

        if (request is null)
        {
            return Problem.Field("body", "Send the parts of the draft to change: resellerId, customer, lineItems.");
        }

        var errors = OrderReview.CheckShape(request, isCreate: false);
        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        string? notDraft = null;
        var result = await store.UpdateAsync(id, ifMatch, user.Actor(), o =>
        {
            if (o.Status != OrderStatus.Draft)
            {
                notDraft = $"The order is {o.Status}; only a draft can be changed.";
                return null;
            }

            return new OrderChange(
                o with
                {
                    ResellerId = request.ResellerId is null ? o.ResellerId : request.ResellerId.Trim().Length == 0 ? null : request.ResellerId.Trim(),
                    Customer = request.Customer ?? o.Customer,
                    LineItems = request.LineItems ?? o.LineItems,
                },
                "updated");
        }, cancellationToken);

        if (Problem.ForChange(result, $"Order '{id}'", notDraft) is { } problem)
        {
            return problem;
        }

        http.Response.Headers.ETag = result.Value!.ETag;
        return TypedResults.Ok(await ViewAsync(result.Value!, review, cancellationToken));
    }

    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        string id,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        OrderStore store,
        OrderReview review,
        OrchestrationClient durable,
        TimeProvider time,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (await ProviderOnlyAsync(id, store, user, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (idempotencyKey is { Length: > 200 } or { Length: 0 })
        {
            return Problem.Field("Idempotency-Key", "An idempotency key has 1 to 200 characters.");
        }

        var keyScope = user.IdempotencyScope();
        if (idempotencyKey is not null && await store.FindOrderIdByKeyAsync(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, cancellationToken) is { } keyedOrder)
        {
            if (keyedOrder != id)
            {
                return KeyUsedForAnotherOrder();
            }

            return await AcceptedAsync((await store.GetAsync(id, cancellationToken))!, review, durable, cancellationToken);
        }

        if (string.IsNullOrEmpty(ifMatch))
        {
            return Problem.PreconditionRequired();
        }

        var draft = await store.GetAsync(id, cancellationToken);
        if (draft is null)
        {
            return Problem.NotFound($"Order '{id}'");
        }

        // A repeat of a submit that committed but whose orchestration was never scheduled (the first attempt died,
        // or scheduling failed): schedule it now, whatever ETag the repeat carries (it is the draft's).
        if (draft.Status == OrderStatus.Submitted && !draft.CancelRequested
            && await durable.GetAsync(draft.InstanceId ?? OrderStore.InstanceIdFor(id), cancellationToken) is null)
        {
            return await AcceptedAsync(draft, review, durable, cancellationToken);
        }

        if (ifMatch != "*" && ifMatch != draft.ETag)
        {
            return Problem.PreconditionFailed();
        }

        if (draft.Status != OrderStatus.Draft)
        {
            return Problem.Conflict($"The order is {draft.Status}; only a draft can be submitted.");
        }

        var problems = (await review.ReviewAsync(draft, cancellationToken)).Problems;
        if (problems.Count > 0)
        {
            return Problem.Validation(ProblemsByField(problems), "The order has problems; fix them (PATCH) and submit again.");
        }

        var now = time.GetUtcNow();
        var result = await store.UpdateAsync(id, draft.ETag, user.Actor(), o =>
        {
            var also = new List<Azure.Data.Tables.TableTransactionAction> { OrderStore.ClaimDomain(o.DomainPrefix!, o.Id) };
            if (idempotencyKey is not null)
            {
                also.Add(OrderStore.KeyRow(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, o.Id));
            }

            return o.Status != OrderStatus.Draft ? null : new OrderChange(
                o with { Status = OrderStatus.Submitted, SubmittedAt = now, CustomerId = Guid.NewGuid().ToString("N"), InstanceId = OrderStore.InstanceIdFor(o.Id) },
                "submitted",
                also);
        }, cancellationToken);

        switch (result.Outcome)
        {
            case ChangeOutcome.NotFound:
                return Problem.NotFound($"Order '{id}'");
            case ChangeOutcome.PreconditionFailed:
                return Problem.PreconditionFailed();
            case ChangeOutcome.Unchanged:
                return Problem.Conflict($"The order is {result.Value!.Status}; only a draft can be submitted.");
            case ChangeOutcome.InvalidState:
                // Which row conflicted: the domain claim (Also[0]: another order took the prefix meanwhile) or the key
                // row (Also[1]: a concurrent submit with the same key, of this order or another).
                if (idempotencyKey is not null && result.Reason != OrderStore.ConflictReason(0))
                {
                    var holder = await store.FindOrderIdByKeyAsync(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, cancellationToken);
                    if (holder == id)
                    {
                        return await AcceptedAsync((await store.GetAsync(id, cancellationToken))!, review, durable, cancellationToken);
                    }

                    if (holder is not null || result.Reason == OrderStore.ConflictReason(1))
                    {
                        return KeyUsedForAnotherOrder();
                    }
                }

                return Problem.Field("customer.domainPrefix", $"{Customers.CustomerNames.Domain(draft.DomainPrefix!)} was taken by another order meanwhile; choose another prefix.");
        }

        return await AcceptedAsync(result.Value!, review, durable, cancellationToken);
    }

    private static ProblemHttpResult KeyUsedForAnotherOrder() =>
        Problem.IdempotencyKeyReused("This Idempotency-Key was used to submit another order; use a new Idempotency-Key.");

    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> AcceptedAsync(Order order, OrderReview review, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        var instanceId = order.InstanceId!;

        // Scheduled only if it does not exist: a repeat of a submit whose first attempt died after the commit starts
        // it; a repeat after it ran must not start it again (a finished instance would be replaced).
        if (order.Status is OrderStatus.Submitted)
        {
            await durable.StartIfMissingAsync(CustomerOnboardingOrchestration.Name, instanceId, order.Id, cancellationToken);
        }

        return TypedResults.Accepted(OrchestrationEndpoints.StatusLocation(instanceId), await ViewAsync(order, review, cancellationToken));
    }

    private static async Task<Results<Ok<OrderView>, Accepted<OrderView>, ProblemHttpResult>> CancelAsync(
        string id, [FromHeader(Name = "If-Match")] string? ifMatch, OrderStore store, OrderReview review, OrchestrationClient durable, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await ProviderOnlyAsync(id, store, user, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        // A submitted order whose orchestration does not exist, or ended before it started provisioning, has
        // nothing to undo: it is finished here (Cancelled, its domain claim released, in one transaction), since no
        // orchestration would ever act on the cancel request.
        var current = await store.GetAsync(id, cancellationToken);
        var noInstance = false;
        if (current is { Status: OrderStatus.Submitted })
        {
            var instance = await durable.GetAsync(current.InstanceId ?? OrderStore.InstanceIdFor(id), cancellationToken);
            noInstance = instance is null || instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
        }

        var holder = noInstance && current!.DomainPrefix is { } prefix ? await store.DomainHolderAsync(prefix, cancellationToken) : null;
        string? refused = null;
        var result = await store.UpdateAsync(id, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, user.Actor(), o =>
        {
            switch (o.Status)
            {
                case OrderStatus.Draft:
                    return new OrderChange(o with { Status = OrderStatus.Cancelled, CompletedAt = time.GetUtcNow() }, "cancelled");
                case OrderStatus.Submitted when noInstance:
                    return new OrderChange(
                        o with { Status = OrderStatus.Cancelled, CancelRequested = true, FailureReason = "Cancelled on request before provisioning started.", CompletedAt = time.GetUtcNow() },
                        "cancelled",
                        holder is { } h && h.OrderId == o.Id ? [OrderStore.ReleaseDomain(o.DomainPrefix!, h.ETag)] : null);
                case OrderStatus.Submitted or OrderStatus.Provisioning when !o.CancelRequested:
                    return new OrderChange(o with { CancelRequested = true }, "cancel-requested");
                case OrderStatus.Completed or OrderStatus.Failed:
                    refused = $"The order is {o.Status}; it can no longer be cancelled." + (o.Status == OrderStatus.Completed ? " Manage the customer's subscriptions instead." : string.Empty);
                    return null;
                default:
                    return null;
            }
        }, cancellationToken);

        if (Problem.ForChange(result, $"Order '{id}'", refused) is { } problem)
        {
            return problem;
        }

        var order = result.Value!;
        var view = await ViewAsync(order, review, cancellationToken);
        return order.Status is OrderStatus.Submitted or OrderStatus.Provisioning
            ? TypedResults.Accepted(OrchestrationEndpoints.StatusLocation(order.InstanceId!), view)
            : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<SetupInfo>, ProblemHttpResult>> SetupInfoAsync(
        string id, OrderStore store, IDataProtectionProvider protection, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        if (await ProviderOnlyAsync(id, store, user, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        var order = (await store.GetAsync(id, cancellationToken))!;
        if (order.Status != OrderStatus.Completed)
        {
            return order.Status is OrderStatus.Failed or OrderStatus.Cancelled
                ? Problem.Gone($"The order is {order.Status}; it has no setup info.")
                : Problem.Conflict($"The order is {order.Status}; the setup info is ready when it is Completed.");
        }

        if (order.PartnerCenterPasswordLost && order.SetupInfoReadAt is null)
        {
            return Problem.Gone(OnboardingActivities.PasswordLostMessage(order));
        }

        if (order.EncryptedPassword is null)
        {
            return Problem.Gone("The setup info was shown once already and is not kept; reset the admin user's password to get a new one.");
        }

        string password;
        try
        {
            password = OnboardingActivities.PasswordProtector(protection, order.Id).Unprotect(order.EncryptedPassword);
        }
        catch (CryptographicException)
        {
            return Problem.Gone("The temporary password can no longer be decrypted; reset the admin user's password.");
        }

        // Removed before it is shown: of concurrent reads, only the one whose removal commits gets the password.
        var removed = await store.UpdateAsync(id, order.ETag, user.Actor(), o => new OrderChange(o with { EncryptedPassword = null, SetupInfoReadAt = time.GetUtcNow() }, "setup-info-read"), cancellationToken);
        if (removed.Outcome != ChangeOutcome.Changed)
        {
            return Problem.Gone("The setup info was shown once already and is not kept; reset the admin user's password to get a new one.");
        }

        return TypedResults.Ok(new SetupInfo(order.Id, order.CustomerId!, Customers.CustomerNames.Domain(order.DomainPrefix!), order.AdminUserName!, password));
    }

    private static async Task<Order?> VisibleAsync(string id, OrderStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var order = await store.GetAsync(id, cancellationToken);
        return order is not null && (user.IsProviderAdmin() || (order.ResellerId is not null && order.ResellerId == user.ResellerId())) ? order : null;
    }

    /// <summary>404 for an order the caller cannot see; 403 for a reseller admin's own order (it may only read it).</summary>
    private static async Task<ProblemHttpResult?> ProviderOnlyAsync(string id, OrderStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(id, store, user, cancellationToken) is null)
        {
            return Problem.NotFound($"Order '{id}'");
        }

        return user.IsProviderAdmin() ? null : Problem.Forbidden("Only the provider changes, submits or cancels orders and reads their setup info.");
    }

    private static Dictionary<string, string[]> ProblemsByField(IEnumerable<OrderProblem> problems) =>
        problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());

    public static async Task<OrderView> ViewAsync(Order order, OrderReview review, CancellationToken cancellationToken)
    {
        var reviewed = await review.ReviewAsync(order, cancellationToken);
        var problems = order.Status == OrderStatus.Draft ? reviewed.Problems : [];
        return new OrderView(
            order.Id,
            order.Status,
            order.ResellerId,
            reviewed.Reseller,
            order.Customer,
            order.DomainPrefix is { } prefix ? Customers.CustomerNames.Domain(prefix) : null,
            order.AdminUserName,
            reviewed.Lines,
            problems,
            order.Status == OrderStatus.Draft && problems.Count == 0,
            order.CustomerId,
            order.Status == OrderStatus.Completed && order.EncryptedPassword is not null,
            order.CancelRequested,
            order.FailureReason,
            order.CreatedAt,
            order.CreatedBy,
            order.SubmittedAt,
            order.CompletedAt,
            order.InstanceId is null ? null : OrchestrationEndpoints.StatusLocation(order.InstanceId),
            OrderPartnerCenterView.From(order));
    }
}
