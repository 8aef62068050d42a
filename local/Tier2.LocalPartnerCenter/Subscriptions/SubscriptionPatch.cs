using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>PATCH of a subscription, which expects the full resource [K:update-a-subscription-by-id]: a body without
/// autoRenewEnabled silently turns auto-renew off and deletes next-term instructions, as Partner Center does; the body and
/// what it cost are recorded (<see cref="ReceivedPatch"/>) so a test can prove a client never sends a minimal PATCH.</summary>
internal static class SubscriptionPatch
{
    public static async Task<IResult> Apply(string customerId, string subscriptionId, HttpRequest request, PartnerCenterState state, RequestLog log, WebhookDelivery webhooks)
    {
        using StreamReader reader = new(request.Body);
        string raw = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        Subscription? body;
        try
        {
            body = JsonSerializer.Deserialize(raw, PartnerCenterJson.Default.Subscription);
        }
        catch (JsonException)
        {
            return PartnerCenterErrors.InvalidInput("body", "is not a JSON Subscription.");
        }

        lock (state.Gate)
        {
            state.ProvisionDue();
            if (SubscriptionEndpoints.Find(customerId, subscriptionId, state) is not { } found)
            {
                return SubscriptionEndpoints.NotFound(subscriptionId);
            }

            if (body is null)
            {
                return PartnerCenterErrors.InvalidInput("body", "is required.");
            }

            if (Refusal(found.Subscription, body, state) is { } refused)
            {
                return refused;
            }

            Subscription current = found.Subscription;
            (bool autoRenewOff, bool instructionsDeleted) = Change(found, body, state);
            log.Add(new ReceivedPatch(customerId, subscriptionId, raw, autoRenewOff, instructionsDeleted));
            state.AuditSubscriptionChange(request.HttpContext.Grant().UserPrincipalName, state.Options.ClientId, customerId, current, found.Subscription);
            webhooks.Publish("subscription-updated", webhooks.SubscriptionUri(customerId, subscriptionId), "subscription");
            return state.Options.SlowSubscriptionChanges
                ? TypedResults.Accepted($"/v1/customers/{customerId}/subscriptions/{subscriptionId}")
                : TypedResults.Json(found.Subscription, PartnerCenterJson.Default.Subscription);
        }
    }

    /// <summary>Makes <paramref name="found"/> what the full-resource <paramref name="body"/> says (after <see cref="Refusal"/>
    /// passed it); returns whether the body cost auto-renew and the next-term instructions.</summary>
    public static (bool AutoRenewOff, bool InstructionsDeleted) Change(SubscriptionRecord found, Subscription body, PartnerCenterState state)
    {
        Subscription current = found.Subscription;
        bool autoRenewOff = body.AutoRenewEnabled is null;
        bool instructionsDeleted = current.ScheduledNextTermInstructions is not null && (autoRenewOff || body.ScheduledNextTermInstructions is null);
        found.Subscription = current with
        {
            Quantity = body.Quantity ?? current.Quantity,
            RefundableQuantity = Refundable(current, body.Quantity ?? current.Quantity!.Value, state),
            AutoRenewEnabled = body.AutoRenewEnabled ?? false,
            ScheduledNextTermInstructions = autoRenewOff ? null : body.ScheduledNextTermInstructions,
            PartnerId = body.PartnerId ?? current.PartnerId,
            FriendlyName = body.FriendlyName ?? current.FriendlyName,
            Status = body.Status ?? current.Status,
            Attributes = new ResourceAttributes("Subscription", Etag: Guid.NewGuid().ToString("N")),
        };
        return (autoRenewOff, instructionsDeleted);
    }

    public static JsonHttpResult<ApiError>? Refusal(Subscription current, Subscription body, PartnerCenterState state)
    {
        int quantity = body.Quantity ?? current.Quantity!.Value;
        if (body.Status is not (null or "active" or "suspended" or "deleted"))
        {
            return PartnerCenterErrors.InvalidInput("status", "must be active, suspended or deleted.");
        }

        if (quantity != current.Quantity && current.Status == "suspended")
        {
            return PartnerCenterErrors.Fail(400, 800091, "Can't update suspended subscription.");
        }

        CatalogItem? item = state.Catalog.Find(current.OfferId);
        if (quantity < current.Quantity && current.Quantity - quantity > RefundableNow(current, state))
        {
            // NCE decreases only within 7 days of purchase or renewal [K:change-the-quantity-of-a-subscription].
            return PartnerCenterErrors.Fail(400, 800090, "Subscription quantity cannot be decreased.");
        }

        if (item is not null && (quantity < item.Sku.MinimumQuantity || quantity > item.Sku.MaximumQuantity))
        {
            return PartnerCenterErrors.Fail(400, 2002, "Subscription quantity isn't within minimum and maximum allowed quantity");
        }

        if (state.Options.SandboxLimits && quantity > CartRules.SandboxLicencesPerSubscription)
        {
            return PartnerCenterErrors.Fail(403, 800067, "The desired seat count exceeded the maximum seat count allowed per subscription");
        }

        if (body.PartnerId is not null && body.PartnerId != current.PartnerId && state.ActiveResellerByMpnId(body.PartnerId) is null)
        {
            return body.PartnerId == state.Options.ProviderMpnId
                ? PartnerCenterErrors.Fail(404, 2072, "PartnerID of Indirect Provider isn't valid as Partner On Record")
                : PartnerCenterErrors.Fail(400, 800016, "PartnerID isn't a valid Indirect Reseller", body.PartnerId);
        }

        return null;
    }

    private static int RefundableNow(Subscription current, PartnerCenterState state) =>
        current.RefundableQuantity?.Details.Where(d => DateTimeOffset.Parse(d.AllowedUntilDateTime, System.Globalization.CultureInfo.InvariantCulture) > state.Now).Sum(d => d.Quantity) ?? 0;

    /// <summary>An increase is refundable for 7 days; a decrease takes back the newest refundable licences first.</summary>
    private static RefundableQuantity Refundable(Subscription current, int quantity, PartnerCenterState state)
    {
        List<RefundableQuantityDetail> details = [.. current.RefundableQuantity?.Details ?? []];
        int change = quantity - current.Quantity!.Value;
        if (change > 0)
        {
            details.Add(new RefundableQuantityDetail(change, PartnerCenterState.Stamp(state.Now.AddDays(7))));
        }

        for (int i = details.Count - 1; change < 0 && i >= 0; i--)
        {
            int taken = Math.Min(details[i].Quantity, -change);
            change += taken;
            details[i] = details[i] with { Quantity = details[i].Quantity - taken };
        }

        details.RemoveAll(d => d.Quantity == 0);
        return new RefundableQuantity(details.Sum(d => d.Quantity), details);
    }
}
