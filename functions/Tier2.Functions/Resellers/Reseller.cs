using System.Text.Json.Serialization;

namespace Tier2.Functions.Resellers;

[JsonConverter(typeof(JsonStringEnumConverter<ResellerStatus>))]
public enum ResellerStatus
{
    /// <summary>The reseller accepted; its partnership orchestration is activating it.</summary>
    PendingActivation,

    /// <summary>Partnered: can be given customers and subscriptions.</summary>
    Active,

    /// <summary>Partnership paused by the provider; existing associations remain but no new ones.</summary>
    Suspended,
}

/// <summary>An indirect reseller the provider has a partnership with.</summary>
public sealed record Reseller
{
    public required string Id { get; init; }

    public required string CompanyName { get; init; }

    /// <summary>The reseller's PartnerID (MPN ID), digits.</summary>
    public required string MpnId { get; init; }

    /// <summary>The reseller's Microsoft Entra tenant.</summary>
    public required Guid TenantId { get; init; }

    public required string ContactName { get; init; }

    public required string ContactEmail { get; init; }

    /// <summary>The address the partnership invite went to.</summary>
    public required string InvitedEmail { get; init; }

    public required ResellerStatus Status { get; init; }

    public string? InviteId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ActivatedAt { get; init; }

    public DateTimeOffset? SuspendedAt { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }
}
