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
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>
/// New customers for a reseller (the seed's New customer -> New subscription -> Review -> Submit or Cancel ->
/// Confirmation). Provider-admin; a reseller admin may read its own reseller's orders, and nothing else exists for it.
/// </summary>
public static class OrderEndpoints
{
    private const string ItemRoute = "orders/{id}";

    [Function(nameof(CreateOrder))]
    [ProducesETag]
    [HttpHandler(nameof(CreateAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Orders")]
    [EndpointSummary("A draft order for a new customer (with a reseller, or direct); answers the review with every problem")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult CreateOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetOrder))]
    [ProducesETag]
    [HttpHandler(nameof(GetAsync))]
    [Tags("Orders")]
    [EndpointSummary("The order's review, progress or confirmation")]
    public static IResult GetOrder([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ItemRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(UpdateOrder))]
    [ProducesETag]
    [HttpHandler(nameof(UpdateAsync))]
    [Tags("Orders")]
    [EndpointSummary("Change a draft (If-Match required)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult UpdateOrder([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ItemRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(SubmitOrder))]
    [HttpHandler(nameof(SubmitAsync))]
    [Tags("Orders")]
    [EndpointSummary("Submit a draft without problems (If-Match required, Idempotency-Key accepted): 202 to the onboarding's status")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult SubmitOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ItemRoute + "/submit")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(CancelOrder))]
    [HttpHandler(nameof(CancelAsync))]
    [Tags("Orders")]
    [EndpointSummary("Cancel a draft, or a submitted order (what was created is undone)")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    public static IResult CancelOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ItemRoute + "/cancel")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(GetOrderSetupInfo))]
    [HttpHandler(nameof(SetupInfoAsync))]
    [Tags("Orders")]
    [EndpointSummary("The admin user name and temporary password, exactly once; afterwards 410")]
    [ProducesProblem(StatusCodes.Status409Conflict)]
    [ProducesProblem(StatusCodes.Status410Gone)]
    public static IResult GetOrderSetupInfo([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ItemRoute + "/setup-info")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Created<OrderView>, Ok<OrderView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        OrderRequest? request,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
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
        if (IdempotencyKeys.Check(idempotencyKey) is { } badKey)
        {
            errors[IdempotencyKeys.Header] = [badKey];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (await review.RefuseForResellerAsync(request.ResellerId?.Trim(), cancellationToken) is { } refused)
        {
            return refused;
        }

        var keyScope = user.IdempotencyScope();
        var requestHash = OrderStore.RequestHash(request);
        if (await ReplayCreateAsync(idempotencyKey, keyScope, requestHash, store, review, http, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        // Reviewed before it is stored, so an address Partner Center verified is recorded with the draft (not asked again).
        var order = Order.NewDraft(OrderStore.NewId(), string.IsNullOrWhiteSpace(request.ResellerId) ? null : request.ResellerId.Trim(), request.Customer!, request.LineItems!, time.GetUtcNow(), user.Actor());
        var reviewed = await review.ReviewAsync(order, cancellationToken);
        order = reviewed.VerifiedAddress is { } verified ? order.RecordAddressVerified(verified) ?? order : order;
        var created = await store.CreateAsync(order, keyScope, idempotencyKey, cancellationToken, requestHash);
        if (created is null)
        {
            var winner = idempotencyKey is null ? null : await store.FindKeyAsync(OrderStore.CreateKeyPrefix, keyScope, idempotencyKey, cancellationToken);
            if (winner?.RequestHash is { } hash && hash != requestHash)
            {
                return CreateKeyReused();
            }

            var existing = winner is null ? null : await store.GetAsync(winner.Value.OrderId, cancellationToken);
            return existing is null ? Problem.Conflict("The order could not be created; retry.") : await OkAsync(existing, review, http, cancellationToken);
        }

        http.Response.Headers.ETag = created.ETag;
        return TypedResults.Created(ApiPaths.For(ItemRoute, created.Id), View(created, reviewed));
    }

    /// <summary>The answer to a create whose <c>Idempotency-Key</c> was used before: that order again, or 422 for another body; null when the key is new.</summary>
    private static async Task<Results<Created<OrderView>, Ok<OrderView>, ValidationProblem, ProblemHttpResult>?> ReplayCreateAsync(
        string? idempotencyKey, string keyScope, string requestHash, OrderStore store, OrderReview review, HttpContext http, CancellationToken cancellationToken)
    {
        if (idempotencyKey is null || await store.FindKeyAsync(OrderStore.CreateKeyPrefix, keyScope, idempotencyKey, cancellationToken) is not { } earlier)
        {
            return null;
        }

        if (earlier.RequestHash is { } hash && hash != requestHash)
        {
            return CreateKeyReused();
        }

        if (await store.GetAsync(earlier.OrderId, cancellationToken) is not { } replayed)
        {
            return null;
        }

        return await OkAsync(replayed, review, http, cancellationToken);
    }

    private static ProblemHttpResult CreateKeyReused() =>
        Problem.IdempotencyKeyReused("This Idempotency-Key was used to create an order with a different body; send the same body to repeat that request, or use a new Idempotency-Key.");

    /// <summary>200 with the order's view and its ETag (for the next If-Match).</summary>
    private static async Task<Ok<OrderView>> OkAsync(Order order, OrderReview review, HttpContext http, CancellationToken cancellationToken)
    {
        http.Response.Headers.ETag = order.ETag;
        return TypedResults.Ok(await ViewAsync(order, review, cancellationToken));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(string id, OrderStore store, OrderReview review, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var order = await VisibleAsync(id, store, user, cancellationToken);
        if (order is null)
        {
            return Problem.NotFound($"Order '{id}'");
        }

        return await OkAsync(order, review, http, cancellationToken);
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

        Transition<Order>? decided = null;
        var result = await store.UpdateAsync(id, ifMatch, user.Actor(), o => OrderChange.For(decided = o.Revise(request.ResellerId, request.Customer, request.LineItems), "updated"), cancellationToken);
        if (Problem.ForChange(result, $"Order '{id}'", decided?.Refusal) is { } problem)
        {
            return problem;
        }

        return await OkAsync(result.Value!, review, http, cancellationToken);
    }

    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        string id, [FromHeader(Name = "If-Match")] string? ifMatch, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
        OrderStore store, OrderReview review, OrchestrationClient durable, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await ProviderOnlyAsync(id, store, user, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (IdempotencyKeys.Check(idempotencyKey) is { } badKey)
        {
            return Problem.Field(IdempotencyKeys.Header, badKey);
        }

        var keyScope = user.IdempotencyScope();
        if (idempotencyKey is not null && await store.FindOrderIdByKeyAsync(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, cancellationToken) is { } keyedOrder)
        {
            return keyedOrder != id ? KeyUsedForAnotherOrder() : await AcceptedAsync((await store.GetAsync(id, cancellationToken))!, review, durable, cancellationToken);
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

        // A stale ETag is 412, unless its request carries the key of the submit that committed (ReplayOrStaleAsync).
        if (ifMatch != "*" && ifMatch != draft.ETag)
        {
            return await ReplayOrStaleAsync(id, idempotencyKey, keyScope, store, review, durable, cancellationToken);
        }

        var now = time.GetUtcNow();
        var (notSubmittable, verified) = await NotSubmittableAsync(draft, now, review, cancellationToken);
        if (notSubmittable is not null)
        {
            return notSubmittable;
        }

        // An address Partner Center verified at this review is recorded with the submit: the Validate step does not ask again.
        Transition<Order>? decided = null;
        var result = await store.UpdateAsync(id, draft.ETag, user.Actor(), o => OrderChange.For(decided = (verified is null ? o : o.RecordAddressVerified(verified) ?? o).Submit(now), "submitted", SubmitRows(o, keyScope, idempotencyKey)), cancellationToken);
        return result.Outcome switch
        {
            ChangeOutcome.NotFound => Problem.NotFound($"Order '{id}'"),
            ChangeOutcome.PreconditionFailed => await ReplayOrStaleAsync(id, idempotencyKey, keyScope, store, review, durable, cancellationToken),
            ChangeOutcome.Unchanged => Problem.Conflict(decided!.Refusal!),
            ChangeOutcome.InvalidState => await SubmitConflictAsync(draft, result.Reason, keyScope, idempotencyKey, store, review, durable, cancellationToken),
            _ => await AcceptedAsync(result.Value!, review, durable, cancellationToken),
        };
    }

    /// <summary>
    /// Why the draft cannot be submitted: not a draft (409), review problems (400, the domain Partner Center says is
    /// taken among them); null when it can, with the address Partner Center verified by this review (if it asked).
    /// </summary>
    private static async Task<(Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>? Refusal, string? VerifiedAddress)> NotSubmittableAsync(
        Order draft, DateTimeOffset now, OrderReview review, CancellationToken cancellationToken)
    {
        if (draft.Submit(now).Refusal is { } notDraft)
        {
            return (Problem.Conflict(notDraft), null);
        }

        var reviewed = await review.ReviewAsync(draft, cancellationToken);
        if (reviewed.Problems.Count > 0)
        {
            return (Problem.Validation(ProblemsByField(reviewed.Problems), "The order has problems; fix them (PATCH) and submit again."), null);
        }

        return (null, reviewed.VerifiedAddress);
    }

    /// <summary>The rows a submit writes with the order: its domain prefix claimed (<c>Also[0]</c>) and its <c>Idempotency-Key</c> (<c>Also[1]</c>).</summary>
    private static List<Azure.Data.Tables.TableTransactionAction> SubmitRows(Order order, string keyScope, string? idempotencyKey)
    {
        var rows = new List<Azure.Data.Tables.TableTransactionAction> { OrderStore.ClaimDomain(order.DomainPrefix!, order.Id) };
        if (idempotencyKey is not null)
        {
            rows.Add(OrderStore.KeyRow(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, order.Id));
        }

        return rows;
    }

    /// <summary>
    /// The answer to a submit one of whose rows conflicted (<paramref name="reason"/> says which): another order took
    /// the domain prefix meanwhile, or a concurrent submit with the same key committed (of this order: its answer).
    /// </summary>
    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> SubmitConflictAsync(
        Order draft, string? reason, string keyScope, string? idempotencyKey, OrderStore store, OrderReview review, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && reason != OrderStore.ConflictReason(0))
        {
            var holder = await store.FindOrderIdByKeyAsync(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, cancellationToken);
            if (holder == draft.Id)
            {
                return await AcceptedAsync((await store.GetAsync(draft.Id, cancellationToken))!, review, durable, cancellationToken);
            }

            if (holder is not null || reason == OrderStore.ConflictReason(1))
            {
                return KeyUsedForAnotherOrder();
            }
        }

        return Problem.Field("customer.domainPrefix", $"{Customers.CustomerNames.Domain(draft.DomainPrefix!)} was taken by another order meanwhile; choose another prefix.");
    }

    /// <summary>
    /// A submit whose ETag is stale: 412, unless it carries the Idempotency-Key of the submit that committed (it raced
    /// its own first attempt), which replays that submit's 202. Only that key may: a request with another key or none
    /// may not take the 202 of a submit it did not make. A committed submit whose orchestration was never scheduled is
    /// scheduled by such a replay, or by ReconcileOrders.
    /// </summary>
    private static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> ReplayOrStaleAsync(
        string id, string? idempotencyKey, string keyScope, OrderStore store, OrderReview review, OrchestrationClient durable, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && await store.FindOrderIdByKeyAsync(OrderStore.SubmitKeyPrefix, keyScope, idempotencyKey, cancellationToken) is { } keyedOrder)
        {
            return keyedOrder == id ? await AcceptedAsync((await store.GetAsync(id, cancellationToken))!, review, durable, cancellationToken) : KeyUsedForAnotherOrder();
        }

        return Problem.PreconditionFailed();
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
        Transition<Order>? decided = null;
        var result = await store.UpdateAsync(id, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, user.Actor(), o =>
        {
            decided = o.Cancel(time.GetUtcNow(), orchestrationEnded: noInstance);
            var ended = decided.Next is { Status: OrderStatus.Cancelled };
            // Ended here, a submitted order releases the domain prefix it claimed (a draft claimed none).
            return OrderChange.For(decided, ended ? "cancelled" : "cancel-requested", ended && holder is { } h && h.OrderId == o.Id ? [OrderStore.ReleaseDomain(o.DomainPrefix!, h.ETag)] : null);
        }, cancellationToken);

        if (Problem.ForChange(result, $"Order '{id}'", decided?.Refusal) is { } problem)
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

    public static async Task<OrderView> ViewAsync(Order order, OrderReview review, CancellationToken cancellationToken) =>
        View(order, await review.ReviewAsync(order, cancellationToken));

    /// <summary>The order's view from a review of it already made.</summary>
    public static OrderView View(Order order, OrderReviewResult reviewed)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(reviewed);
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
