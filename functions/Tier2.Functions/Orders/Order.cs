using System.Text.Json.Serialization;
using Tier2.Functions.Customers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>
/// Where an order is. Each move between them is a transition method on <see cref="Order"/> (a new state, such as a
/// step a connector waits for, comes with the transitions into and out of it, there).
/// </summary>
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

/// <summary>
/// One line of the seed's New subscription page: an offer and its license count. The offer is named by Tier2's offer
/// id (<c>offerId</c>, e.g. <c>o365-e3</c>) or by Partner Center's catalog item (<c>catalogItemId</c>,
/// <c>{productId}:{skuId}:{availabilityId}</c> from GET /api/offers); when both are sent, <c>catalogItemId</c> decides.
/// </summary>
public sealed record OrderLine(
    string? OfferId,
    int Quantity,
    string? TermDuration,
    string? BillingCycle,
    [property: System.ComponentModel.Description("Partner Center's catalog item ({productId}:{skuId}:{availabilityId}, as GET /api/offers lists it); names the offer instead of offerId, and decides when both are sent. The review reports a line whose item the catalog no longer sells (code no-longer-sold).")]
    string? CatalogItemId = null);

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

    /// <summary>The customer account this order creates (for <paramref name="resellerId"/>, or direct when null), from its details and reserved id.</summary>
    public Customer NewCustomer(string? resellerId, DateTimeOffset now) => new()
    {
        Id = CustomerId!,
        CompanyName = Customer.CompanyName!.Trim(),
        DomainPrefix = DomainPrefix!,
        Email = Customer.Email?.Trim(),
        Culture = Customer.Culture,
        Language = Customer.Language,
        Address = Customer.Address,
        Contact = Customer.Contact,
        AssociatedPartnerId = resellerId,
        OrderId = Id,
        CreatedAt = now,
    };

    /// <summary>A new draft, to be reviewed, changed, submitted or cancelled.</summary>
    public static Order NewDraft(string id, string? resellerId, CustomerDetails customer, IReadOnlyList<OrderLine> lineItems, DateTimeOffset now, string createdBy) => new()
    {
        Id = id,
        Status = OrderStatus.Draft,
        ResellerId = resellerId,
        Customer = customer,
        LineItems = lineItems,
        CreatedAt = now,
        CreatedBy = createdBy,
    };

    /// <summary>
    /// Replaces the parts of a draft that are given (a blank <paramref name="resellerId"/> makes it a direct customer's
    /// order); only a draft changes.
    /// </summary>
    public Transition<Order> Revise(string? resellerId, CustomerDetails? customer, IReadOnlyList<OrderLine>? lineItems) =>
        Status != OrderStatus.Draft
            ? Transition<Order>.Refuse($"The order is {Status}; only a draft can be changed.")
            : Transition<Order>.To(this with
            {
                ResellerId = resellerId is null ? ResellerId : resellerId.Trim().Length == 0 ? null : resellerId.Trim(),
                Customer = customer ?? Customer,
                LineItems = lineItems ?? LineItems,
            });

    /// <summary>
    /// Submits a draft: the customer id every step will create is reserved now, and the onboarding orchestration's
    /// instance id is fixed (store, then start). Whether the draft has review problems is the caller's check.
    /// </summary>
    public Transition<Order> Submit(DateTimeOffset now) =>
        Status != OrderStatus.Draft
            ? Transition<Order>.Refuse($"The order is {Status}; only a draft can be submitted.")
            : Transition<Order>.To(this with { Status = OrderStatus.Submitted, SubmittedAt = now, CustomerId = Guid.NewGuid().ToString("N"), InstanceId = OrderStore.InstanceIdFor(Id) });

    /// <summary>
    /// The provider cancels. A draft is Cancelled at once; so is a submitted order whose orchestration is gone or
    /// ended before provisioning (<paramref name="orchestrationEnded"/>: nothing was created, nothing will act on a
    /// request). Otherwise a submitted or provisioning order records the request, and its orchestration undoes what
    /// it created and ends it. A repeat changes nothing; a Completed or Failed order is refused.
    /// </summary>
    public Transition<Order> Cancel(DateTimeOffset now, bool orchestrationEnded) => Status switch
    {
        OrderStatus.Draft => Transition<Order>.To(this with { Status = OrderStatus.Cancelled, CompletedAt = now }),
        OrderStatus.Submitted when orchestrationEnded => Transition<Order>.To(
            this with { Status = OrderStatus.Cancelled, CancelRequested = true, FailureReason = "Cancelled on request before provisioning started.", CompletedAt = now }),
        OrderStatus.Submitted or OrderStatus.Provisioning when !CancelRequested => Transition<Order>.To(this with { CancelRequested = true }),
        OrderStatus.Completed or OrderStatus.Failed => Transition<Order>.Refuse(
            $"The order is {Status}; it can no longer be cancelled." + (Status == OrderStatus.Completed ? " Manage the customer's subscriptions instead." : string.Empty)),
        _ => Transition<Order>.Stay(),
    };

    /// <summary>The onboarding orchestration starts creating what a submitted order asks for, unless it was cancelled.</summary>
    public Transition<Order> StartProvisioning() => Status switch
    {
        OrderStatus.Submitted when !CancelRequested => Transition<Order>.To(this with { Status = OrderStatus.Provisioning }),
        _ when CancelRequested => Transition<Order>.Refuse("The order was cancelled."),
        OrderStatus.Provisioning => Transition<Order>.Stay(),
        _ => Transition<Order>.Refuse($"The order is {Status}; only a submitted order starts provisioning."),
    };

    /// <summary>Keeps the admin user's name and its temporary password (encrypted) until the setup info is read, while provisioning.</summary>
    public Transition<Order> RecordAdminUser(string userName, string encryptedPassword) => WhileProvisioning(this with { AdminUserName = userName, EncryptedPassword = encryptedPassword });

    /// <summary>Everything was created: the order is Completed, its setup info readable once.</summary>
    public Transition<Order> Complete(DateTimeOffset now) => WhileProvisioning(this with { Status = OrderStatus.Completed, CompletedAt = now });

    /// <summary>A step failed for good and what was created was undone (or could not be): the order ends Failed with the reason.</summary>
    public Transition<Order> Fail(string reason, DateTimeOffset now) => End(OrderStatus.Failed, reason, now);

    /// <summary>
    /// Ends a submitted or provisioning order Failed or Cancelled (<paramref name="outcome"/>) with its reason, after
    /// its orchestration undid what it created; the admin user and its password go. An ended order stays as it is.
    /// </summary>
    public Transition<Order> End(OrderStatus outcome, string reason, DateTimeOffset now)
    {
        if (outcome is not (OrderStatus.Failed or OrderStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "An order ends Failed or Cancelled.");
        }

        return Status switch
        {
            OrderStatus.Failed or OrderStatus.Cancelled => Transition<Order>.Stay(),
            OrderStatus.Submitted or OrderStatus.Provisioning => Transition<Order>.To(
                this with { Status = outcome, FailureReason = reason, AdminUserName = null, EncryptedPassword = null, CompletedAt = now }),
            _ => Transition<Order>.Refuse($"The order is {Status}; only a submitted order ends {outcome}."),
        };
    }

    // The provisioning steps write only while the order is provisioning and nobody asked to cancel it.
    private Transition<Order> WhileProvisioning(Order next) =>
        CancelRequested ? Transition<Order>.Refuse("The order was cancelled.")
        : Status != OrderStatus.Provisioning ? Transition<Order>.Refuse($"The order is {Status}; only a provisioning order takes this step.")
        : Transition<Order>.To(next);
}

/// <summary><c>POST /api/orders</c> (and <c>PATCH</c>, where every part is optional and replaces what the draft had).</summary>
[System.ComponentModel.Description("A draft may leave out any field: creating one needs customer and lineItems, and the order's review (problems) names each field still missing before it can be submitted. PATCH replaces only the parts it sends.")]
public sealed record OrderRequest(string? ResellerId, CustomerDetails? Customer, IReadOnlyList<OrderLine>? LineItems);

/// <summary>A review finding: which field, a stable code, and what to do.</summary>
public sealed record OrderProblem(string Field, string Code, string Message);

public sealed record OrderLineView(int Index, string? OfferId, string? OfferName, int Quantity, string? TermDuration, string? BillingCycle, string? PartnerIdOnRecord, string? CatalogItemId = null);

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
