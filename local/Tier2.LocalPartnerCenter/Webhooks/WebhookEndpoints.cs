using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>
/// Events going out (FACTS 10): the signing certificate at the URL events name, the validation event of the registration
/// API, and the admin surface a script uses in place of Partner Center's portal (a change made there, an event on demand,
/// the root to trust, what was delivered).
/// </summary>
internal static class WebhookEndpoints
{
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(WebhookSigning.CertificatePath, (WebhookSigning signing) => TypedResults.Bytes(signing.CertificateDer, "application/pkix-cert"));
        app.MapPost("/webhooks/v1/registration/validationEvents", SendValidationEvent);
        app.MapGet("/webhooks/v1/registration/validationEvents/{correlationId}", (string correlationId, WebhookDelivery webhooks) =>
            webhooks.Find(correlationId) is { } found
                ? TypedResults.Json(found, PartnerCenterJson.Default.WebhookDeliveryResult)
                : (IResult)PartnerCenterErrors.NotFound($"Validation event {correlationId}"));

        RouteGroupBuilder admin = app.MapGroup("/_local");
        admin.MapGet("/webhook-root.pem", (WebhookSigning signing) => TypedResults.Text(signing.RootPem, "application/x-pem-file"));
        admin.MapGet("/webhook-deliveries", (WebhookDelivery webhooks) => TypedResults.Json(webhooks.Deliveries, PartnerCenterJson.Default.IReadOnlyListWebhookDeliveryResult));
        admin.MapPost("/events", SendEvent);
        admin.MapPatch("/customers/{customerId}/subscriptions/{subscriptionId}", ChangeInPortal);
    }

    /// <summary>Sends test-created, which the registration must ask for; answers <c>{correlationId}</c> [K:partner-center-webhooks].</summary>
    private static IResult SendValidationEvent(PartnerCenterState state, WebhookDelivery webhooks)
    {
        lock (state.Gate)
        {
            if (state.Webhook is null)
            {
                return PartnerCenterErrors.NotFound("Webhook registration");
            }

            string? correlationId = webhooks.Publish("test-created", webhooks.CertificateUrl.GetLeftPart(UriPartial.Authority) + "/webhooks/v1/registration/validationEvents", "test");
            return correlationId is null
                ? PartnerCenterErrors.InvalidInput("WebhookEvents", "must include test-created to send a validation event.")
                : TypedResults.Json(new ValidationEventAnswer(correlationId), PartnerCenterJson.Default.ValidationEventAnswer);
        }
    }

    private static IResult SendEvent(LocalEvent e, PartnerCenterState state, WebhookDelivery webhooks)
    {
        if (string.IsNullOrWhiteSpace(e.EventName) || !Uri.TryCreate(e.ResourceUri, UriKind.Absolute, out _))
        {
            return TypedResults.Problem("eventName and an absolute resourceUri are required.", statusCode: 400);
        }

        lock (state.Gate)
        {
            return webhooks.Publish(e.EventName, e.ResourceUri!, e.ResourceName ?? "", e.AuditUri, onlyIfRegistered: false) is { } correlationId
                ? TypedResults.Json(new ValidationEventAnswer(correlationId), PartnerCenterJson.Default.ValidationEventAnswer, statusCode: 202)
                : TypedResults.Problem("No webhook is registered (POST /webhooks/v1/registration first).", statusCode: 409);
        }
    }

    /// <summary>A change made in Partner Center's portal: the same rules as the API's PATCH, audited as the portal user,
    /// and the subscription-updated event the registration asks for.</summary>
    private static IResult ChangeInPortal(string customerId, string subscriptionId, PortalSubscriptionChange change, PartnerCenterState state, WebhookDelivery webhooks)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            if (SubscriptionEndpoints.Find(customerId, subscriptionId, state) is not { } found)
            {
                return SubscriptionEndpoints.NotFound(subscriptionId);
            }

            Subscription current = found.Subscription;
            Subscription wanted = current with
            {
                Quantity = change.Quantity ?? current.Quantity,
                AutoRenewEnabled = change.AutoRenewEnabled ?? current.AutoRenewEnabled,
                FriendlyName = change.FriendlyName ?? current.FriendlyName,
            };
            if (SubscriptionPatch.Refusal(current, wanted, state) is { } refused)
            {
                return refused;
            }

            SubscriptionPatch.Change(found, wanted, state);
            // The portal is a person at Partner Center's own site: their user, no application.
            state.AuditSubscriptionChange(state.Options.PortalUserUpn, null, customerId, current, found.Subscription);
            webhooks.Publish("subscription-updated", webhooks.SubscriptionUri(customerId, subscriptionId), "subscription");
            return TypedResults.Json(found.Subscription, PartnerCenterJson.Default.Subscription);
        }
    }
}
