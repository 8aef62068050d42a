using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>
/// An event as Partner Center posts it: <c>{EventName, ResourceUri, ResourceName, AuditUri?, ResourceChangeUtcDate}</c>
/// (FACTS 10). It says what to read again, never what the resource now is.
/// </summary>
public sealed record PartnerCenterEvent(
    [property: JsonPropertyName("EventName")] string? EventName,
    [property: JsonPropertyName("ResourceUri")] string? ResourceUri,
    [property: JsonPropertyName("ResourceName")] string? ResourceName,
    [property: JsonPropertyName("AuditUri")] string? AuditUri,
    [property: JsonPropertyName("ResourceChangeUtcDate")] string? ResourceChangeUtcDate)
{
    public const string SubscriptionUpdated = "subscription-updated";
    public const string RelationshipAccepted = "reseller-relationship-accepted-by-customer";
    public const string TestCreated = "test-created";

    /// <summary>The events the registration asks for.</summary>
    public static readonly IReadOnlyList<string> Registered = [SubscriptionUpdated, RelationshipAccepted, TestCreated];

    /// <summary>The Partner Center customer and (for a subscription) subscription ids in <see cref="ResourceUri"/>
    /// (<c>…/customers/{cid}[/subscriptions/{sid}]</c>), or null when it names none.</summary>
    public (string CustomerId, string? SubscriptionId)? Resource()
    {
        if (!Uri.TryCreate(ResourceUri, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var at = Array.FindIndex(segments, s => s.Equals("customers", StringComparison.OrdinalIgnoreCase));
        if (at < 0 || at + 1 >= segments.Length || !IsId(segments[at + 1]))
        {
            return null;
        }

        var subscription = at + 3 < segments.Length && segments[at + 2].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) && IsId(segments[at + 3]) ? segments[at + 3] : null;
        return (segments[at + 1], subscription);
    }

    /// <summary>The id of an event: the SHA-256 of its exact body. A repeat of the body (a retry, a replay) has the same id.</summary>
    public static string IdOf(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private static bool IsId(string text) => text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}

/// <summary>What became of an event: received, then one final outcome.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PartnerCenterEventOutcome>))]
public enum PartnerCenterEventOutcome
{
    /// <summary>Stored; the durable step has not finished with it.</summary>
    Received,

    /// <summary>The re-read resource was applied to Tier2 (or Tier2 already matched it).</summary>
    Applied,

    /// <summary>Tier2 has no row for the resource: recorded, nothing changed.</summary>
    Unknown,

    /// <summary>An event Tier2 does not act on (test-created, others), or one whose resource it cannot read.</summary>
    Ignored,
}

/// <summary>A received event's row: the event, when it came, and what became of it (<see cref="Detail"/> says why).</summary>
public sealed record ReceivedPartnerCenterEvent(string Id, PartnerCenterEvent Event, DateTimeOffset ReceivedAt, PartnerCenterEventOutcome Outcome, string? Detail, DateTimeOffset? FinishedAt)
{
    /// <summary>The durable step's instance id: derived from the row, so a repeat starts nothing twice.</summary>
    public string InstanceId => "pcevent-" + Id;

    public static ReceivedPartnerCenterEvent Receive(string id, PartnerCenterEvent e, DateTimeOffset now) => new(id, e, now, PartnerCenterEventOutcome.Received, null, null);

    /// <summary>Ends the event with <paramref name="outcome"/>; an event already finished keeps its first outcome.</summary>
    public ReceivedPartnerCenterEvent? Finish(PartnerCenterEventOutcome outcome, string detail, DateTimeOffset now) =>
        Outcome == PartnerCenterEventOutcome.Received && outcome != PartnerCenterEventOutcome.Received ? this with { Outcome = outcome, Detail = detail, FinishedAt = now } : null;
}

/// <summary>The answer to Partner Center: the event's id, and whether it was a repeat (acknowledged, nothing done again).</summary>
public sealed record PartnerCenterEventReceipt(string Id, string? EventName, bool Repeat);

/// <summary><c>GET|PUT /api/partner-center/webhooks</c>: Partner Center's registration.</summary>
public sealed record PartnerCenterWebhookView(string? SubscriberId, string WebhookUrl, IReadOnlyList<string> WebhookEvents)
{
    public static PartnerCenterWebhookView From(WebhookRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return new(registration.SubscriberId, registration.WebhookUrl, registration.WebhookEvents);
    }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PartnerCenterEvent))]
[JsonSerializable(typeof(PartnerCenterEventReceipt))]
[JsonSerializable(typeof(PartnerCenterWebhookView))]
[JsonSerializable(typeof(ReceivedPartnerCenterEvent))]
[JsonSerializable(typeof(AcceptedRelationship))]
internal sealed partial class PartnerCenterEventsJsonContext : JsonSerializerContext;
