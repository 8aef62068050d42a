using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Offers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Subscriptions;

/// <summary>
/// A customer's subscriptions: list, read, buy (new subscription), and change (licenses, partner of record,
/// designated support contact, suspend/reactivate). A reseller admin works only on its delegated customers'
/// subscriptions where it is partner of record or support contact.
/// </summary>
public static class SubscriptionEndpoints
{
    private const string ItemRoute = "customers/{id}/subscriptions/{subscriptionId}";

    [Function(nameof(ListSubscriptions))]
    [HttpHandler(nameof(ListAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("The subscriptions of a customer; a reseller admin sees those where its reseller is partner of record or support contact")]
    public static IResult ListSubscriptions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}/subscriptions")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetSubscription))]
    [ProducesETag]
    [HttpHandler(nameof(GetAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("A subscription with its partner of record and support contact (ETag for If-Match)")]
    public static IResult GetSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ItemRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(CreateSubscription))]
    [ProducesETag]
    [HttpHandler(nameof(CreateAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("Buy a new subscription for an existing customer, optionally with a reseller as partner of record")]
    public static IResult CreateSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/subscriptions")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(UpdateSubscription))]
    [ProducesETag]
    [HttpHandler(nameof(UpdateAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("Change licenses, partner of record, designated support contact, or suspend/reactivate (If-Match required)")]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult UpdateSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ItemRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<Results<Ok<Page<Subscription>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string id, string? continuationToken, int? pageSize, CustomerStore customers, SubscriptionStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (Paging.CheckPageSize(pageSize) is { } badPageSize)
        {
            return badPageSize;
        }

        if (await customers.GetVisibleAsync(id, user, cancellationToken) is not { } customer)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        var scope = $"subscriptions|{id}";
        if (Paging.Decode(scope, continuationToken, out var tableToken) is { } badToken)
        {
            return badToken;
        }

        var page = await store.ListAsync(id, Paging.Size(pageSize), tableToken, cancellationToken);
        var items = user.ResellerId() is { } own ? page.Items.Where(s => s.IsVisibleTo(own)).Select(s => s.SeenBy(own, customer.AssociatedPartnerId)).ToList() : page.Items;
        return TypedResults.Ok(new Page<Subscription>(items, ContinuationToken.Encode(scope, page.ContinuationToken)));
    }

    private static async Task<Results<Ok<Subscription>, ProblemHttpResult>> GetAsync(
        string id, string subscriptionId, CustomerStore customers, SubscriptionStore store, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        if (await GetVisibleAsync(id, subscriptionId, customers, store, user, cancellationToken) is not (_, var subscription))
        {
            return Problem.NotFound($"Subscription '{subscriptionId}' of customer '{id}'");
        }

        http.Response.Headers.ETag = subscription.ETag;
        return TypedResults.Ok(await SeenByCallerAsync(subscription, customers, user, cancellationToken));
    }

    private static async Task<Results<Created<Subscription>, Ok<Subscription>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string id,
        CreateSubscriptionRequest? request,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
        CustomerStore customers,
        SubscriptionStore store,
        OfferSource offers,
        PartnerRules partners,
        TimeProvider time,
        ClaimsPrincipal user,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (await customers.GetVisibleAsync(id, user, cancellationToken) is not { } customer)
        {
            return Problem.NotFound($"Customer '{id}'");
        }

        if (IdempotencyKeys.Check(idempotencyKey) is { } badKey)
        {
            return Problem.Field(IdempotencyKeys.Header, badKey);
        }

        var key = idempotencyKey is null ? null : new IdempotencyKey(
            user.IdempotencyScope(),
            idempotencyKey,
            SubscriptionStore.Hash(System.Text.Json.JsonSerializer.Serialize(request, CustomersJsonContext.Default.CreateSubscriptionRequest)));
        if (key is not null && await store.FindByIdempotencyKeyAsync(id, key, cancellationToken) is { } earlier)
        {
            return Replay(earlier.Subscription, earlier.RequestHash, key, user, http, customer.AssociatedPartnerId);
        }

        var shelf = await offers.ShelfForCustomerAsync(customer.Address?.Country, cancellationToken);
        var (offer, partner, errors) = await CheckPurchaseAsync(request, user, shelf, partners, cancellationToken);
        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var subscription = Subscription.Purchase(SubscriptionStore.NewId(), id, offer!, request!.Quantity!.Value, request.TermDuration!, request.BillingCycle!, partner, orderId: null, time.GetUtcNow());
        var created = await store.CreateAsync(subscription, key, user.Actor(), cancellationToken);
        if (created.Id != subscription.Id && key is not null && await store.FindByIdempotencyKeyAsync(id, key, cancellationToken) is { } winner)
        {
            // A concurrent request with the same key won.
            return Replay(winner.Subscription, winner.RequestHash, key, user, http, customer.AssociatedPartnerId);
        }

        http.Response.Headers.ETag = created.ETag;
        var seen = user.ResellerId() is { } caller ? created.SeenBy(caller, customer.AssociatedPartnerId) : created;
        return created.Id == subscription.Id
            ? TypedResults.Created(ApiPaths.For(ItemRoute, id, created.Id), seen)
            : TypedResults.Ok(seen);
    }

    /// <summary>
    /// A purchase's input rules, by field: an offer the customer's shelf sells (Partner Center's catalog as last synced,
    /// or the bundled offers) and what it allows; a partner of record that may be named
    /// (a reseller admin names only its own reseller, the default when none is given).
    /// </summary>
    private static async Task<(Offer? Offer, Resellers.Reseller? Partner, Dictionary<string, string[]> Errors)> CheckPurchaseAsync(
        CreateSubscriptionRequest? request, ClaimsPrincipal user, OfferShelf shelf, PartnerRules partners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var match = shelf.Find(request?.OfferId, catalogItemId: null);
        var offer = match.Offer;
        if (offer is null)
        {
            errors["offerId"] = [string.IsNullOrWhiteSpace(request?.OfferId) ? "Choose an offer (GET /api/offers)." : match.Message!];
        }
        else if (request!.Quantity is null)
        {
            errors["quantity"] = ["Enter the number of licenses."];
        }
        else
        {
            foreach (var (field, message) in OfferCatalog.CheckPurchase(offer, request.Quantity.Value, request.TermDuration, request.BillingCycle))
            {
                errors[field] = [message];
            }
        }

        var own = user.ResellerId();
        var partnerOfRecordId = string.IsNullOrWhiteSpace(request?.PartnerOfRecordResellerId) ? own : request.PartnerOfRecordResellerId.Trim();
        if (own is not null && !string.Equals(partnerOfRecordId, own, StringComparison.Ordinal))
        {
            errors["partnerOfRecordResellerId"] = ["A reseller admin can name only its own reseller as partner of record."];
        }

        Resellers.Reseller? partner = null;
        if (partnerOfRecordId is not null && !errors.ContainsKey("partnerOfRecordResellerId"))
        {
            (partner, var error) = await partners.PartnerOfRecordAsync(partnerOfRecordId, cancellationToken);
            if (error is not null)
            {
                errors["partnerOfRecordResellerId"] = [error];
            }
        }

        return (offer, partner, errors);
    }

    /// <summary>
    /// The answer to a repeat of an earlier purchase with the same key: the same subscription, if the body is the
    /// same (otherwise 422) and the caller may still see it (otherwise 404).
    /// </summary>
    private static Results<Created<Subscription>, Ok<Subscription>, ValidationProblem, ProblemHttpResult> Replay(
        Subscription earlier, string? requestHash, IdempotencyKey key, ClaimsPrincipal user, HttpContext http, string? customerPartnerId)
    {
        if (!string.Equals(requestHash, key.RequestHash, StringComparison.Ordinal))
        {
            return Problem.IdempotencyKeyReused("This Idempotency-Key was used with a different request body; send the same body to repeat that request, or use a new Idempotency-Key.");
        }

        var own = user.ResellerId();
        if (own is not null && !earlier.IsVisibleTo(own))
        {
            return Problem.NotFound($"Subscription '{earlier.Id}' of customer '{earlier.CustomerId}'");
        }

        http.Response.Headers.ETag = earlier.ETag;
        return TypedResults.Ok(own is null ? earlier : earlier.SeenBy(own, customerPartnerId));
    }

    private static async Task<Results<Ok<Subscription>, Accepted<Subscription>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, string subscriptionId, UpdateSubscriptionRequest? request, [FromHeader(Name = "If-Match")] string? ifMatch,
        CustomerStore customers, SubscriptionStore store, OfferSource offers, PartnerRules partners, SubscriptionChanges changes, OrchestrationClient durable, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        if (await GetVisibleAsync(id, subscriptionId, customers, store, user, cancellationToken) is not (var customer, var current))
        {
            return Problem.NotFound($"Subscription '{subscriptionId}' of customer '{id}'");
        }

        if (string.IsNullOrEmpty(ifMatch))
        {
            return Problem.PreconditionRequired();
        }

        // The precondition before anything is checked against the stored state: a stale ETag is 412 whatever it asks.
        if (ifMatch != "*" && !string.Equals(ifMatch, current.ETag, StringComparison.Ordinal))
        {
            return Problem.PreconditionFailed();
        }

        if (request is null || (request.Quantity is null && request.PartnerOfRecordResellerId is null && request.SupportContactResellerId is null && request.Status is null))
        {
            return Problem.Field("body", "Send at least one of quantity, partnerOfRecordResellerId, supportContactResellerId, status.");
        }

        if (!user.IsProviderAdmin() && (request.PartnerOfRecordResellerId, request.SupportContactResellerId) is not (null, null))
        {
            return Problem.Forbidden(request.PartnerOfRecordResellerId is not null
                ? "partnerOfRecordResellerId: only the provider changes a subscription's partner of record."
                : "supportContactResellerId: only the provider designates a subscription's support contact.");
        }

        var shelf = await offers.ShelfForCustomerAsync(customer.Address?.Country, cancellationToken);
        var (patch, errors) = await CheckPatchAsync(request, current, shelf, partners, cancellationToken);
        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (changes.Reaches(customer, current))
        {
            return await RequestInPartnerCenterAsync(new(id, subscriptionId, ifMatch, request, patch, current), customers, store, changes, durable, time, user, http, cancellationToken);
        }

        var result = await store.UpdateAsync(id, subscriptionId, ifMatch, user.Actor(), s => s.Apply(patch), cancellationToken);
        switch (result.Outcome)
        {
            case ChangeOutcome.NotFound:
                return Problem.NotFound($"Subscription '{subscriptionId}' of customer '{id}'");
            case ChangeOutcome.PreconditionFailed:
                return Problem.PreconditionFailed();
            default:
                http.Response.Headers.ETag = result.Value!.ETag;
                return TypedResults.Ok(await SeenByCallerAsync(result.Value!, customers, user, cancellationToken));
        }
    }

    /// <summary>
    /// A checked PATCH of a subscription that lives in Partner Center: what Partner Center refuses in a way Tier2 can see
    /// beforehand is refused now (422 naming the field); the rest is stored on the row as its pending change (Store,
    /// then start) and applied by the <c>SubscriptionChange</c> orchestration. 202 + Location: the subscription, whose
    /// <c>pendingChange</c> disappears and <c>partnerCenterSync</c> says what Partner Center answered.
    /// </summary>
    private static async Task<Results<Ok<Subscription>, Accepted<Subscription>, ValidationProblem, ProblemHttpResult>> RequestInPartnerCenterAsync(
        CheckedPatch asked, CustomerStore customers, SubscriptionStore store, SubscriptionChanges changes, OrchestrationClient durable, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var (id, subscriptionId, ifMatch, request, patch, current) = asked;
        foreach (var (field, value) in new[] { ("partnerOfRecordResellerId", request.PartnerOfRecordResellerId), ("supportContactResellerId", request.SupportContactResellerId) })
        {
            if (value is { Length: 0 })
            {
                return Refused(new PartnerCenterRefusal(422, ProblemTypes.Validation, field, "Partner Center documents no way to remove this from a subscription; name another partnered reseller instead.", null));
            }
        }

        if (patch.Quantity is { } quantity && await changes.CheckDecreaseAsync((await customers.GetAsync(id, cancellationToken))!, current, quantity, cancellationToken) is { } refusal)
        {
            return Refused(refusal);
        }

        var changeId = SubscriptionStore.NewId();
        PartnerCenterChange? requested = null;
        PartnerCenterChange? pending = null;
        string? refused = null;
        var result = await store.UpdateAsync(id, subscriptionId, ifMatch, user.Actor(), s =>
        {
            var (moved, action, change) = s.RequestPartnerCenterChange(patch, changeId, user.Actor(), time.GetUtcNow());
            (requested, pending, refused) = (change, s.PendingChange, moved.Refusal);
            return (moved.Next, action);
        }, cancellationToken);

        // Every path that finds a change pending starts its orchestration if it is missing (a crash after the store).
        if ((requested ?? pending) is { } toApply)
        {
            await durable.StartIfMissingAsync(SubscriptionChangeOrchestration.Name, SubscriptionChanges.InstanceId(subscriptionId, toApply.Id), new SubscriptionChangeTarget(id, subscriptionId, toApply.Id), cancellationToken);
        }

        if (Problem.ForChange(result, $"Subscription '{subscriptionId}' of customer '{id}'", refused) is { } problem)
        {
            return problem;
        }

        http.Response.Headers.ETag = result.Value!.ETag;
        return requested is null ? TypedResults.Ok(result.Value!) : TypedResults.Accepted(ApiPaths.For(ItemRoute, id, subscriptionId), result.Value!);
    }

    /// <summary>A refusal of Partner Center's as problem details naming the field (the same shape the row's <c>partnerCenterSync.refusal</c> records).</summary>
    public static ProblemHttpResult Refused(PartnerCenterRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var extensions = new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [refusal.Field] = [refusal.Detail] } };
        if (refusal.PartnerCenterCode is not null)
        {
            extensions["partnerCenterCode"] = refusal.PartnerCenterCode;
        }

        return TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: "Partner Center refuses this change.", type: refusal.Type, extensions: extensions);
    }

    /// <summary>A PATCH checked against the stored subscription, on its way to Partner Center.</summary>
    private sealed record CheckedPatch(string Id, string SubscriptionId, string IfMatch, UpdateSubscriptionRequest Request, SubscriptionPatch Patch, Subscription Current);

    /// <summary>
    /// A PATCH's input rules, by field: a known status; a license count the offer sells and the subscription (as it
    /// will be) allows; a partner of record and a support contact that may be named ("" clears them).
    /// </summary>
    private static async Task<(SubscriptionPatch Patch, Dictionary<string, string[]> Errors)> CheckPatchAsync(
        UpdateSubscriptionRequest request, Subscription current, OfferShelf shelf, PartnerRules partners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        SubscriptionStatus? status = null;
        if (request.Status is not null)
        {
            if (Enum.TryParse<SubscriptionStatus>(request.Status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                status = parsed;
            }
            else
            {
                errors["status"] = [$"Unknown status '{request.Status}'; use Active (reactivate) or Suspended (suspend)."];
            }
        }

        if (request.Quantity is { } quantity)
        {
            var offer = shelf.Find(current.OfferId, catalogItemId: null).Offer;
            if (offer is null)
            {
                errors["quantity"] = [$"Offer '{current.OfferId}' is no longer sold; its license count cannot change."];
            }
            else if (quantity < offer.MinQuantity || quantity > offer.MaxQuantity)
            {
                errors["quantity"] = [$"{offer.Name} is sold in {offer.MinQuantity} to {offer.MaxQuantity} licenses; {quantity} is out of range."];
            }
            else if (current.QuantityRefusal(quantity, status ?? current.Status) is { } refusal)
            {
                errors["quantity"] = [refusal];
            }
        }

        Resellers.Reseller? partner = null;
        if (request.PartnerOfRecordResellerId is { Length: > 0 } partnerId)
        {
            (partner, var error) = await partners.PartnerOfRecordAsync(partnerId, cancellationToken);
            if (error is not null)
            {
                errors["partnerOfRecordResellerId"] = [error];
            }
        }

        Resellers.Reseller? support = null;
        if (request.SupportContactResellerId is { Length: > 0 } supportId)
        {
            (support, var error) = await partners.SupportContactAsync(supportId, cancellationToken);
            if (error is not null)
            {
                errors["supportContactResellerId"] = [error];
            }
        }

        return (new SubscriptionPatch(request.Quantity, request.PartnerOfRecordResellerId is not null, partner, request.SupportContactResellerId is not null, support, status), errors);
    }

    /// <summary>The subscription as the caller may see it: a reseller admin sees nothing of another reseller's (<see cref="Subscription.SeenBy"/>).</summary>
    private static async Task<Subscription> SeenByCallerAsync(Subscription subscription, CustomerStore customers, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.ResellerId() is { } own
            ? subscription.SeenBy(own, (await customers.GetAsync(subscription.CustomerId, cancellationToken))?.AssociatedPartnerId)
            : subscription;

    /// <summary>The subscription and its customer, when the caller may see both (else null: a 404).</summary>
    private static async Task<(Customer Customer, Subscription Subscription)?> GetVisibleAsync(string customerId, string subscriptionId, CustomerStore customers, SubscriptionStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await customers.GetVisibleAsync(customerId, user, cancellationToken) is not { } customer)
        {
            return null;
        }

        var subscription = await store.GetAsync(customerId, subscriptionId, cancellationToken);
        return subscription is not null && (user.ResellerId() is not { } own || subscription.IsVisibleTo(own)) ? (customer, subscription) : null;
    }
}
