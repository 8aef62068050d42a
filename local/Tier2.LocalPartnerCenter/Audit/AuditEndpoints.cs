using System.Globalization;
using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Audit records and the webhook registration (FACTS 10).</summary>
internal static class AuditEndpoints
{
    /// <summary>The events the registration API lists (the 2023 list's two-tier ones [K:partner-center-webhook-events]).</summary>
    public static readonly IReadOnlyList<string> WebhookEvents =
    [
        "test-created", "subscription-updated", "subscription-active", "reseller-relationship-accepted-by-customer",
        "granular-admin-relationship-approved", "invoice-ready",
    ];

    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/auditrecords", Records);
        app.MapGet("/webhooks/v1/registration/events", () => TypedResults.Json(WebhookEvents, PartnerCenterJson.Default.IReadOnlyListString));
        app.MapGet("/webhooks/v1/registration", GetRegistration);
        app.MapPost("/webhooks/v1/registration", SaveRegistration);
        app.MapPut("/webhooks/v1/registration", SaveRegistration);
    }

    /// <summary>[K:get-a-record-of-partner-center-activity-by-user]: the default window is 30 days; a start more than 90 days
    /// back is 400. filter {Field: CustomerId|CompanyName|ResourceType, Value} narrows it. No paging is modelled.</summary>
    private static IResult Records(string? startDate, string? endDate, string? filter, PartnerCenterState state)
    {
        DateTimeOffset now = state.Now;
        DateTimeOffset start = now.AddDays(-30);
        DateTimeOffset end = now;
        if ((startDate is not null && !DateTimeOffset.TryParse(startDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
            || (endDate is not null && !DateTimeOffset.TryParse(endDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out end)))
        {
            return PartnerCenterErrors.InvalidInput("startDate/endDate", "must be dates.");
        }

        if (start < now.AddDays(-90))
        {
            return PartnerCenterErrors.InvalidInput("startDate", "can be at most 90 days in the past.");
        }

        (string Field, string Value)? narrow = null;
        if (filter is not null)
        {
            try
            {
                using JsonDocument parsed = JsonDocument.Parse(filter);
                narrow = (parsed.RootElement.GetProperty("Field").GetString()!, parsed.RootElement.GetProperty("Value").GetString()!);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return PartnerCenterErrors.InvalidInput("filter", "must be {\"Field\",\"Value\",\"Operator\"} JSON.");
            }
        }

        lock (state.Gate)
        {
            List<AuditRecord> items = [.. state.Audit.Where(r =>
            {
                DateTimeOffset at = DateTimeOffset.Parse(r.OperationDate, CultureInfo.InvariantCulture);
                return at >= start && at <= end && (narrow is not { } n || Matches(r, n.Field, n.Value));
            })];
            return TypedResults.Json(ResourceCollection<AuditRecord>.Of(items), PartnerCenterJson.Default.ResourceCollectionAuditRecord);
        }
    }

    private static bool Matches(AuditRecord record, string field, string value) => field switch
    {
        "CustomerId" => string.Equals(record.CustomerId, value, StringComparison.OrdinalIgnoreCase),
        "CompanyName" => record.CustomerName?.Contains(value, StringComparison.OrdinalIgnoreCase) == true,
        "ResourceType" => string.Equals(record.ResourceType, value, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static IResult GetRegistration(PartnerCenterState state)
    {
        lock (state.Gate)
        {
            return state.Webhook is { } registration
                ? TypedResults.Json(registration, PartnerCenterJson.Default.WebhookRegistration)
                : PartnerCenterErrors.NotFound("Webhook registration");
        }
    }

    /// <summary>Stores {WebhookUrl, WebhookEvents}; answers {SubscriberId, WebhookUrl, WebhookEvents} [K:partner-center-webhooks].
    /// Events are then delivered to it (<see cref="WebhookDelivery"/>).</summary>
    private static async Task<IResult> SaveRegistration(HttpRequest request, PartnerCenterState state)
    {
        (WebhookRegistration? body, IResult? bad) = await RequestBody.ReadAsync(request, PartnerCenterJson.Default.WebhookRegistration);
        if (bad is not null)
        {
            return bad;
        }

        if (!Uri.TryCreate(body!.WebhookUrl, UriKind.Absolute, out _))
        {
            return PartnerCenterErrors.InvalidInput("WebhookUrl", "must be an absolute URL.");
        }

        if (body.WebhookEvents is not { Count: > 0 } events || events.Except(WebhookEvents).Any())
        {
            return PartnerCenterErrors.InvalidInput("WebhookEvents", "must name events GET /webhooks/v1/registration/events lists.");
        }

        lock (state.Gate)
        {
            state.Webhook = body with { SubscriberId = state.Options.ProviderTenantId };
            return TypedResults.Json(state.Webhook, PartnerCenterJson.Default.WebhookRegistration);
        }
    }
}
