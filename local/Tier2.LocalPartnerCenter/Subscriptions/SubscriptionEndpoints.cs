using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>A customer's subscriptions (FACTS 8): list (optionally by reseller), get, PATCH, support contact.</summary>
internal static class SubscriptionEndpoints
{
    public static void MapSubscriptionEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/customers/{customerId}/subscriptions", List);
        v1.MapGet("/customers/{customerId}/subscriptions/{subscriptionId}", Get);
        v1.MapPatch("/customers/{customerId}/subscriptions/{subscriptionId}", SubscriptionPatch.Apply);
        v1.MapGet("/customers/{customerId}/subscriptions/{subscriptionId}/supportcontact", GetSupportContact).AppPlusUserOnly();
        v1.MapPut("/customers/{customerId}/subscriptions/{subscriptionId}/supportcontact", PutSupportContact).AppPlusUserOnly();
    }

    /// <summary>?mpn_id= lists the subscriptions whose partner of record is that reseller [K:get-all-subscriptions-by-partner].</summary>
    private static IResult List(string customerId, string? mpn_id, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            if (state.FindCustomer(customerId) is null)
            {
                return PartnerCenterErrors.CustomerNotFound(customerId);
            }

            List<Subscription> items = [.. state.Subscriptions.Values
                .Where(s => string.Equals(s.CustomerId, customerId, StringComparison.OrdinalIgnoreCase) && (mpn_id is null || s.Subscription.PartnerId == mpn_id))
                .Select(s => s.Subscription)];
            return TypedResults.Json(ResourceCollection<Subscription>.Of(items), PartnerCenterJson.Default.ResourceCollectionSubscription);
        }
    }

    private static IResult Get(string customerId, string subscriptionId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            return Find(customerId, subscriptionId, state) is { } found
                ? TypedResults.Json(found.Subscription, PartnerCenterJson.Default.Subscription)
                : NotFound(subscriptionId);
        }
    }

    public static SubscriptionRecord? Find(string customerId, string subscriptionId, PartnerCenterState state) =>
        state.Subscriptions.TryGetValue(subscriptionId, out SubscriptionRecord? found) && string.Equals(found.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)
            ? found
            : null;

    public static IResult NotFound(string subscriptionId) => PartnerCenterErrors.Fail(404, 20003, $"Subscription with ID {subscriptionId} not found.");

    private static IResult GetSupportContact(string customerId, string subscriptionId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            if (Find(customerId, subscriptionId, state) is not { } found)
            {
                return NotFound(subscriptionId);
            }

            return (IResult?)NceRefusal(found, state)
                ?? (found.SupportContact is { } contact
                    ? TypedResults.Json(contact, PartnerCenterJson.Default.SupportContact)
                    : PartnerCenterErrors.NotFound($"Support contact of subscription {subscriptionId}"));
        }
    }

    /// <summary>The contact must be "an existing reseller with a relationship to the partner" [K:update-a-subscription-s-support-contact].</summary>
    private static async Task<IResult> PutSupportContact(string customerId, string subscriptionId, HttpRequest request, PartnerCenterState state, WebhookDelivery webhooks)
    {
        (SupportContact? body, IResult? bad) = await RequestBody.ReadAsync(request, PartnerCenterJson.Default.SupportContact);
        if (bad is not null)
        {
            return bad;
        }

        lock (state.Gate)
        {
            state.ProvisionDue();
            if (Find(customerId, subscriptionId, state) is not { } found)
            {
                return NotFound(subscriptionId);
            }

            if (NceRefusal(found, state) is { } refused)
            {
                return refused;
            }

            ResellerRecord? reseller = state.ActiveResellerByMpnId(body!.SupportMpnId);
            if (reseller is null || !string.Equals(reseller.TenantId, body.SupportTenantId, StringComparison.OrdinalIgnoreCase))
            {
                return PartnerCenterErrors.Fail(400, 800016, "PartnerID isn't a valid Indirect Reseller", body.SupportMpnId ?? "");
            }

            SupportContact? before = found.SupportContact;
            found.SupportContact = new SupportContact(reseller.TenantId, reseller.MpnId, reseller.Name, new ResourceAttributes("SupportContact"));
            // The record carries the subscription with its support contact (the wire's resource has no such field): the id says which.
            state.AuditSubscriptionChange(request.HttpContext.Grant().UserPrincipalName, state.Options.ClientId, customerId, new AuditedSupportContact(subscriptionId, before), new AuditedSupportContact(subscriptionId, found.SupportContact));

            // Whether Partner Center raises subscription-updated for a support contact change is UNVERIFIED (it documents the
            // event for commerce-level changes); the local server does, so a receiver re-reads the subscription.
            webhooks.Publish("subscription-updated", webhooks.SubscriptionUri(customerId, subscriptionId), "subscription");
            return TypedResults.Json(found.SupportContact, PartnerCenterJson.Default.SupportContact);
        }
    }

    /// <summary>"New Commerce Experience subscriptions are not currently supported" (2023; current status UNVERIFIED), answered
    /// with the documented 400/2006 "Updates on subscriptions for offer {0} aren't allowed" when the option is on.</summary>
    private static JsonHttpResult<ApiError>? NceRefusal(SubscriptionRecord found, PartnerCenterState state) =>
        state.Options.RefuseSupportContactForNce && found.Subscription.ProductType?.Id == "OnlineServicesNCE"
            ? PartnerCenterErrors.Fail(400, 2006, $"Updates on subscriptions for offer {found.Subscription.OfferId} aren't allowed: support contacts are not supported for New Commerce Experience subscriptions.")
            : null;
}
