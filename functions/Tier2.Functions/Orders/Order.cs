using System.Text.Json.Serialization;
using Tier2.Functions.Customers;

namespace Tier2.Functions.Orders;

[JsonConverter(typeof(JsonStringEnumConverter<OrderStatus>))]
public enum OrderStatus
{
    /// <summary>Being filled in and reviewed; can be changed, submitted or cancelled.</summary>
    Draft,

    /// <summary>Submitted; the <c>CustomerOnboarding</c> orchestration is about to run.</summary>
    Submitted,

    /// <summary>The orchestration is creating the customer, its subscriptions and its admin user.</summary>
    Provisioning,

    /// <summary>Everything was created; the setup info can be read once.</summary>
    Completed,

    /// <summary>A step failed; what was created was undone. See the failure reason.</summary>
    Failed,

    /// <summary>Cancelled as a draft, or after submit (what was created was undone).</summary>
    Cancelled,
}

/// <summary>One line of the seed's New subscription page: an offer and its license count.</summary>
public sealed record OrderLine(string? OfferId, int Quantity, string? TermDuration, string? BillingCycle);

/// <summary>A new-customer order, as stored.</summary>
public sealed partial record Order
{
    public required string Id { get; init; }

    public required OrderStatus Status { get; init; }

    /// <summary>The indirect reseller the customer is created for; null for a direct customer.</summary>
    public string? ResellerId { get; init; }

    public required CustomerDetails Customer { get; init; }

    public required IReadOnlyList<OrderLine> LineItems { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public DateTimeOffset? SubmittedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The customer id, reserved at submit so every retry of a step creates the same customer.</summary>
    public string? CustomerId { get; init; }

    public string? InstanceId { get; init; }

    public string? AdminUserName { get; init; }

    public DateTimeOffset? SetupInfoReadAt { get; init; }

    public bool CancelRequested { get; init; }

    public string? FailureReason { get; init; }

    /// <summary>The temporary password, Data Protection-encrypted, until the setup info is read (then removed). Never serialized.</summary>
    [JsonIgnore]
    public string? EncryptedPassword { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    public string? DomainPrefix => OrderReview.NormalizeDomainPrefix(Customer.DomainPrefix);
}

/// <summary><c>POST /api/orders</c> (and <c>PATCH</c>, where every part is optional and replaces what the draft had).</summary>
public sealed record OrderRequest(string? ResellerId, CustomerDetails? Customer, IReadOnlyList<OrderLine>? LineItems);

/// <summary>A review finding: which field, a stable code, and what to do.</summary>
public sealed record OrderProblem(string Field, string Code, string Message);

public sealed record OrderLineView(int Index, string? OfferId, string? OfferName, int Quantity, string? TermDuration, string? BillingCycle, string? PartnerIdOnRecord);

public sealed record OrderResellerView(string Id, string CompanyName, string MpnId, string Status);

/// <summary>The seed's Review page (and, after submit, the order's progress and confirmation).</summary>
public sealed record OrderView(
    string Id,
    OrderStatus Status,
    string? ResellerId,
    OrderResellerView? Reseller,
    CustomerDetails Customer,
    string? Domain,
    string? AdminUserName,
    IReadOnlyList<OrderLineView> LineItems,
    IReadOnlyList<OrderProblem> Problems,
    bool CanSubmit,
    string? CustomerId,
    bool SetupInfoAvailable,
    bool CancelRequested,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? CompletedAt,
    string? StatusLocation,
    OrderPartnerCenterView? PartnerCenter = null);

/// <summary>What the order made in Partner Center (Enabled mode), as far as it got.</summary>
public sealed record OrderPartnerCenterView(string? CustomerId, bool AgreementAttested, string? CartId, IReadOnlyList<string> OrderIds, int Resubmissions)
{
    public static OrderPartnerCenterView? From(Order order) =>
        order.PartnerCenterCustomerId is null && order.Resubmissions == 0
            ? null
            : new(order.PartnerCenterCustomerId, order.AgreementAttestedAt is not null, order.PartnerCenterCartId, order.PartnerCenterOrderIds ?? [], order.Resubmissions);
}

/// <summary><c>GET /api/orders/{id}/setup-info</c>: shown once, like the seed's Confirmation page.</summary>
public sealed record SetupInfo(string OrderId, string CustomerId, string Domain, string UserName, string TemporaryPassword);
