using System.Text.Json.Serialization;

namespace Tier2.Functions.Subscriptions;

[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionStatus>))]
public enum SubscriptionStatus
{
    Active,
    Suspended,
}

/// <summary>The designated support contact, in Partner Center's shape; <see cref="ResellerId"/> says which partnered reseller it is.</summary>
public sealed record SupportContact(Guid SupportTenantId, string SupportMpnId, string Name, string ResellerId);

/// <summary>A customer's subscription to an offer.</summary>
public sealed record Subscription
{
    public required string Id { get; init; }

    public required string CustomerId { get; init; }

    public required string OfferId { get; init; }

    public required string OfferName { get; init; }

    public required int Quantity { get; init; }

    public required string TermDuration { get; init; }

    public required string BillingCycle { get; init; }

    public required SubscriptionStatus Status { get; init; }

    /// <summary>The reseller credited for incentives (the seed's "Reseller (MPN ID)" field).</summary>
    public string? PartnerOfRecordResellerId { get; init; }

    /// <summary>Partner Center's <c>partnerIdOnRecord</c>: the partner-of-record reseller's MPN ID, never the provider's.</summary>
    public string? PartnerIdOnRecord { get; init; }

    public SupportContact? SupportContact { get; init; }

    public string? OrderId { get; init; }

    /// <summary>The subscription's Partner Center id, once Partner Center provisioned it; null when Partner Center is Disabled.</summary>
    public string? PartnerCenterSubscriptionId { get; init; }

    /// <summary>The Partner Center order that bought it.</summary>
    public string? PartnerCenterOrderId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>What a reseller admin may see: subscriptions it is partner of record or support contact for.</summary>
    public bool IsVisibleTo(string resellerId) =>
        string.Equals(PartnerOfRecordResellerId, resellerId, StringComparison.Ordinal) || string.Equals(SupportContact?.ResellerId, resellerId, StringComparison.Ordinal);
}

/// <summary><c>POST /api/customers/{id}/subscriptions</c>: buy a new subscription.</summary>
public sealed record CreateSubscriptionRequest(string? OfferId, int? Quantity, string? TermDuration, string? BillingCycle, string? PartnerOfRecordResellerId);

/// <summary>
/// <c>PATCH /api/customers/{id}/subscriptions/{sid}</c>: every field optional; an empty string clears the partner of
/// record or the support contact.
/// </summary>
public sealed record UpdateSubscriptionRequest(int? Quantity, string? PartnerOfRecordResellerId, string? SupportContactResellerId, string? Status);
