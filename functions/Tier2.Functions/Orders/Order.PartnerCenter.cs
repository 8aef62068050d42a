using System.Security.Cryptography;
using System.Text;

namespace Tier2.Functions.Orders;

/// <summary>
/// An order's Partner Center side (when <c>PartnerCenter__Mode</c> is Enabled): the ids of what each onboarding step
/// made there, recorded as the step ends, so a retry or a resubmit resumes from the first step not done. The
/// transitions below are the only writers of these fields.
/// </summary>
public sealed partial record Order
{
    /// <summary>The customer's Partner Center id (its tenant id), once Partner Center created it (or it was found by its domain).</summary>
    public string? PartnerCenterCustomerId { get; init; }

    /// <summary>
    /// True when the customer was found by its domain rather than created by this order's call: Partner Center shows the
    /// temporary password only in the create answer, so the setup info cannot show it.
    /// </summary>
    public bool PartnerCenterPasswordLost { get; init; }

    /// <summary>When the provider attested the Microsoft Customer Agreement for the customer.</summary>
    public DateTimeOffset? AgreementAttestedAt { get; init; }

    /// <summary>The order's one cart, stored before its checkout (checkout is idempotent per cart, so a retry checks this one out again).</summary>
    public string? PartnerCenterCartId { get; init; }

    /// <summary>The Partner Center orders the checkout made.</summary>
    public IReadOnlyList<string>? PartnerCenterOrderIds { get; init; }

    /// <summary>How many times the order was resubmitted after it failed (each run has its own orchestration instance).</summary>
    public int Resubmissions { get; init; }

    /// <summary>
    /// The fingerprint (<see cref="AddressFingerprint"/>) of the address Partner Center verified for this order
    /// (<c>POST /v1/validations/address</c>), so the same address is not sent again at submit and in the onboarding's
    /// Validate step. It counts only while it matches the order's address (<see cref="AddressVerified"/>): a changed
    /// address is validated again.
    /// </summary>
    public string? VerifiedAddress { get; init; }

    /// <summary>True when Partner Center verified the order's address as it stands.</summary>
    public bool AddressVerified => VerifiedAddress is not null && VerifiedAddress == AddressFingerprint(Customer.Address);

    /// <summary>Whether the order reached Partner Center's checkout: from then on its purchase stands, whatever happens to Tier2's run.</summary>
    public bool PlacedInPartnerCenter => PartnerCenterOrderIds is { Count: > 0 };

    /// <summary>
    /// The address as Partner Center's validation sees it, hashed (so the row holds no second copy of it): each part
    /// trimmed, runs of spaces made one and upper-cased (case and spacing do not make another address).
    /// </summary>
    public static string? AddressFingerprint(Customers.Address? address)
    {
        if (address is null)
        {
            return null;
        }

        static string Part(string? value) => string.Join(' ', (value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToUpperInvariant();
        var text = string.Join('\n', Part(address.Country), Part(address.State), Part(address.City), Part(address.PostalCode), Part(address.AddressLine1), Part(address.AddressLine2));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// Records that Partner Center verified the address whose fingerprint is given, while the order is a draft or
    /// submitted and that is still its address; null (nothing to record) otherwise or when it is recorded already.
    /// </summary>
    public Order? RecordAddressVerified(string fingerprint) =>
        Status is OrderStatus.Draft or OrderStatus.Submitted && fingerprint == AddressFingerprint(Customer.Address) && VerifiedAddress != fingerprint
            ? this with { VerifiedAddress = fingerprint }
            : null;

    /// <summary>Records the customer Partner Center created (with its temporary password, encrypted) or that was found by its domain (no password).</summary>
    public Order? RecordPartnerCenterCustomer(string partnerCenterCustomerId, string adminUserName, string? encryptedPassword) =>
        !IsProvisioning ? null
        : PartnerCenterCustomerId is not null ? null
        : this with
        {
            PartnerCenterCustomerId = partnerCenterCustomerId,
            AdminUserName = adminUserName,
            EncryptedPassword = encryptedPassword,
            PartnerCenterPasswordLost = encryptedPassword is null,
        };

    public Order? RecordAgreement(DateTimeOffset now) =>
        IsProvisioning && PartnerCenterCustomerId is not null && AgreementAttestedAt is null ? this with { AgreementAttestedAt = now } : null;

    public Order? RecordCart(string cartId) =>
        IsProvisioning && AgreementAttestedAt is not null && PartnerCenterCartId is null ? this with { PartnerCenterCartId = cartId } : null;

    public Order? RecordPartnerCenterOrders(IReadOnlyList<string> orderIds) =>
        IsProvisioning && PartnerCenterCartId is not null && !PlacedInPartnerCenter && orderIds.Count > 0 ? this with { PartnerCenterOrderIds = orderIds } : null;

    /// <summary>
    /// Provisioned in Partner Center: Completed. A cancel requested after the checkout came too late (the purchase
    /// stands in Partner Center), so it does not stop this; the request stays recorded.
    /// </summary>
    public Order? CompletePlaced(DateTimeOffset now) =>
        Status == OrderStatus.Provisioning && PlacedInPartnerCenter ? this with { Status = OrderStatus.Completed, CompletedAt = now } : null;

    /// <summary>
    /// Ends a run that got as far as creating the customer in Partner Center: Failed (or Cancelled) with the reason,
    /// the customer and everything recorded so far kept (a tenant cannot be deleted), the temporary password too
    /// (encrypted; the setup info shows it once the order completes after a resubmit).
    /// </summary>
    public Order? EndKeepingCustomer(OrderStatus outcome, string reason, DateTimeOffset now) =>
        outcome is not (OrderStatus.Failed or OrderStatus.Cancelled) ? throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "An order ends Failed or Cancelled.")
        : Status is not (OrderStatus.Submitted or OrderStatus.Provisioning) || PartnerCenterCustomerId is null ? null
        : this with { Status = outcome, FailureReason = reason, CompletedAt = now };

    /// <summary>
    /// A Failed order is submitted again under a new orchestration instance (<paramref name="instanceId"/>); its
    /// steps skip what the order records as done. Refused (null) for any other status.
    /// </summary>
    public Order? Resubmit(string instanceId, DateTimeOffset now) =>
        Status != OrderStatus.Failed ? null
        : this with { Status = OrderStatus.Submitted, SubmittedAt = now, InstanceId = instanceId, FailureReason = null, CompletedAt = null, CancelRequested = false, Resubmissions = Resubmissions + 1 };

    /// <summary>
    /// Drops a cart whose checkout answered orderErrors: that cart is spent (a checkout repeats its first answer), so a
    /// resubmit builds a new one.
    /// </summary>
    public Order? DropSpentCart() => PartnerCenterCartId is not null && !PlacedInPartnerCenter ? this with { PartnerCenterCartId = null } : null;

    // What exists in Partner Center is recorded even when a cancel was requested meanwhile: the next step's check of
    // the order stops the run, and the record is what a resubmit or an operator needs.
    private bool IsProvisioning => Status == OrderStatus.Provisioning;
}
