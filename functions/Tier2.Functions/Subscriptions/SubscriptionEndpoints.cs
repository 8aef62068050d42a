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
    [Function(nameof(ListSubscriptions))]
    [HttpHandler(nameof(ListAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("The subscriptions of a customer; a reseller admin sees those where its reseller is partner of record or support contact")]
    public static IResult ListSubscriptions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}/subscriptions")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetSubscription))]
    [HttpHandler(nameof(GetAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("A subscription with its partner of record and support contact (ETag for If-Match)")]
    public static IResult GetSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "customers/{id}/subscriptions/{subscriptionId}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(CreateSubscription))]
    [HttpHandler(nameof(CreateAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("Buy a new subscription for an existing customer, optionally with a reseller as partner of record")]
    public static IResult CreateSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "customers/{id}/subscriptions")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(UpdateSubscription))]
    [HttpHandler(nameof(UpdateAsync))]
    [Tags("Subscriptions")]
    [EndpointSummary("Change licenses, partner of record, designated support contact, or suspend/reactivate (If-Match required)")]
    [ProducesProblem(StatusCodes.Status428PreconditionRequired)]
    public static IResult UpdateSubscription([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "customers/{id}/subscriptions/{subscriptionId}")] HttpRequest request) =>
        HttpFunctions.Run(request);

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
        var subscription = await GetVisibleAsync(id, subscriptionId, customers, store, user, cancellationToken);
        if (subscription is null)
        {
            return Problem.NotFound($"Subscription '{subscriptionId}' of customer '{id}'");
        }

        http.Response.Headers.ETag = subscription.ETag;
        return TypedResults.Ok(await SeenByCallerAsync(subscription, customers, user, cancellationToken));
    }

    private static async Task<Results<Created<Subscription>, Ok<Subscription>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string id,
        CreateSubscriptionRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        CustomerStore customers,
        SubscriptionStore store,
        OfferCatalog offers,
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

        if (idempotencyKey is { Length: > 200 } or { Length: 0 })
        {
            return Problem.Field("Idempotency-Key", "An idempotency key has 1 to 200 characters.");
        }

        var key = idempotencyKey is null ? null : new IdempotencyKey(
            user.IdempotencyScope(),
            idempotencyKey,
            SubscriptionStore.Hash(System.Text.Json.JsonSerializer.Serialize(request, CustomersJsonContext.Default.CreateSubscriptionRequest)));
        if (key is not null && await store.FindByIdempotencyKeyAsync(id, key, cancellationToken) is { } earlier)
        {
            return Replay(earlier.Subscription, earlier.RequestHash, key, user, http, customer.AssociatedPartnerId);
        }

        var errors = new Dictionary<string, string[]>();
        var offer = offers.Find(request?.OfferId);
        if (offer is null)
        {
            errors["offerId"] = [string.IsNullOrWhiteSpace(request?.OfferId) ? "Choose an offer (GET /api/offers)." : $"Unknown offer '{request.OfferId}'."];
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

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var subscription = new Subscription
        {
            Id = SubscriptionStore.NewId(),
            CustomerId = id,
            OfferId = offer!.Id,
            OfferName = offer.Name,
            Quantity = request!.Quantity!.Value,
            TermDuration = request.TermDuration!,
            BillingCycle = request.BillingCycle!,
            Status = SubscriptionStatus.Active,
            PartnerOfRecordResellerId = partner?.Id,
            PartnerIdOnRecord = partner?.MpnId,
            CreatedAt = time.GetUtcNow(),
        };
        var created = await store.CreateAsync(subscription, key, user.Actor(), cancellationToken);
        if (created.Id != subscription.Id && key is not null && await store.FindByIdempotencyKeyAsync(id, key, cancellationToken) is { } winner)
        {
            // A concurrent request with the same key won.
            return Replay(winner.Subscription, winner.RequestHash, key, user, http, customer.AssociatedPartnerId);
        }

        http.Response.Headers.ETag = created.ETag;
        var seen = user.ResellerId() is { } caller ? created.SeenBy(caller, customer.AssociatedPartnerId) : created;
        return created.Id == subscription.Id
            ? TypedResults.Created($"/api/customers/{id}/subscriptions/{created.Id}", seen)
            : TypedResults.Ok(seen);
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

    private static async Task<Results<Ok<Subscription>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id,
        string subscriptionId,
        UpdateSubscriptionRequest? request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        CustomerStore customers,
        SubscriptionStore store,
        OfferCatalog offers,
        PartnerRules partners,
        ClaimsPrincipal user,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var current = await GetVisibleAsync(id, subscriptionId, customers, store, user, cancellationToken);
        if (current is null)
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

        if (!user.IsProviderAdmin())
        {
            if (request.PartnerOfRecordResellerId is not null)
            {
                return Problem.Forbidden("partnerOfRecordResellerId: only the provider changes a subscription's partner of record.");
            }

            if (request.SupportContactResellerId is not null)
            {
                return Problem.Forbidden("supportContactResellerId: only the provider designates a subscription's support contact.");
            }
        }

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
            var offer = offers.Find(current.OfferId);
            if (offer is null)
            {
                errors["quantity"] = [$"Offer '{current.OfferId}' is no longer sold; its license count cannot change."];
            }
            else if (quantity < offer.MinQuantity || quantity > offer.MaxQuantity)
            {
                errors["quantity"] = [$"{offer.Name} is sold in {offer.MinQuantity} to {offer.MaxQuantity} licenses; {quantity} is out of range."];
            }
            else if ((status ?? current.Status) == SubscriptionStatus.Suspended && quantity != current.Quantity)
            {
                errors["quantity"] = ["A suspended subscription's license count cannot change; reactivate it first."];
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

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var result = await store.UpdateAsync(id, subscriptionId, ifMatch, user.Actor(), s =>
        {
            var actions = new List<string>();
            var next = s;
            if (request.Quantity is { } q && q != s.Quantity)
            {
                next = next with { Quantity = q };
                actions.Add("quantity-changed");
            }

            if (request.PartnerOfRecordResellerId is not null && !string.Equals(partner?.Id, s.PartnerOfRecordResellerId, StringComparison.Ordinal))
            {
                next = next with { PartnerOfRecordResellerId = partner?.Id, PartnerIdOnRecord = partner?.MpnId };
                actions.Add("partner-of-record-changed");
            }

            if (request.SupportContactResellerId is not null && !string.Equals(support?.Id, s.SupportContact?.ResellerId, StringComparison.Ordinal))
            {
                next = next with { SupportContact = support is null ? null : PartnerRules.ContactFor(support) };
                actions.Add("support-contact-changed");
            }

            if (status is { } st && st != s.Status)
            {
                next = next with { Status = st };
                actions.Add(st == SubscriptionStatus.Suspended ? "suspended" : "reactivated");
            }

            return (next, string.Join(",", actions));
        }, cancellationToken);

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

    /// <summary>The subscription as the caller may see it: a reseller admin sees nothing of another reseller's (<see cref="Subscription.SeenBy"/>).</summary>
    private static async Task<Subscription> SeenByCallerAsync(Subscription subscription, CustomerStore customers, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.ResellerId() is { } own
            ? subscription.SeenBy(own, (await customers.GetAsync(subscription.CustomerId, cancellationToken))?.AssociatedPartnerId)
            : subscription;

    private static async Task<Subscription?> GetVisibleAsync(string customerId, string subscriptionId, CustomerStore customers, SubscriptionStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await customers.GetVisibleAsync(customerId, user, cancellationToken) is null)
        {
            return null;
        }

        var subscription = await store.GetAsync(customerId, subscriptionId, cancellationToken);
        return subscription is not null && (user.ResellerId() is not { } own || subscription.IsVisibleTo(own)) ? subscription : null;
    }
}
