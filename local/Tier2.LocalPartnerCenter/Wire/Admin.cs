using System.Text.Json.Serialization;

namespace Tier2.LocalPartnerCenter;

// The control surface tests and scripts use (in-process on LocalPartnerCenter, over HTTP under /_local/).

/// <summary>An indirect reseller in a partnership with the provider (what the portal-only "request a partnership"
/// leaves behind once the reseller accepts).</summary>
/// <param name="TenantId">The reseller's tenant id (the relationship's <c>id</c>); a new GUID when left out.</param>
/// <param name="MpnId">The reseller's PartnerID.</param>
/// <param name="Name">The reseller's name.</param>
/// <param name="MpaSigned">Whether it has accepted the Microsoft Partner Agreement.</param>
/// <param name="Location">Its country (ISO-2).</param>
public sealed record SeededReseller(string? TenantId, string MpnId, string Name, bool MpaSigned = true, string Location = "US");

/// <summary>
/// A customer that exists in Partner Center for an indirect reseller before Tier2 knows it (made in Partner Center's portal,
/// or by another tool): what GET /v1/customers with the IndirectReseller filter lists [K:get-customers-of-an-indirect-reseller].
/// </summary>
/// <param name="ResellerTenantId">The reseller's tenant id (the customer's associatedPartnerId).</param>
/// <param name="CompanyName">The company name.</param>
/// <param name="Domain">The initial domain, <c>*.onmicrosoft.com</c>.</param>
/// <param name="Id">The customer's id (its tenant id); null for a new one.</param>
public sealed record SeededCustomer(string ResellerTenantId, string CompanyName, string Domain, string? Id = null);

/// <summary>What a fault does to the matching calls.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    /// <summary>429 with Retry-After and the throttling body, before anything changes.</summary>
    Throttle,

    /// <summary>500 with an error body, before anything changes.</summary>
    ServerError,

    /// <summary>The change is made, then the answer is withheld: the connection is aborted, or held for HoldForSeconds.</summary>
    TimeoutAfterChange,

    /// <summary>A documented error (Status, Code, Description), before anything changes.</summary>
    Error,

    /// <summary>Checkout answers 201 with orderErrors (Code, Description) instead of an order.</summary>
    OrderErrors,

    /// <summary>Checkout's order provisions after ProvisioningDelaySeconds instead of the configured delay.</summary>
    SlowProvisioning,
}

/// <summary>A fault for the next <see cref="Count"/> calls whose method and path match.</summary>
/// <param name="Path">A path pattern: <c>*</c> matches one segment, a trailing <c>**</c> any rest
/// (e.g. <c>/v1/customers/*/carts/*/checkout</c>).</param>
/// <param name="Kind">What happens.</param>
/// <param name="Method">The HTTP method, or null for any.</param>
/// <param name="Count">How many matching calls it affects.</param>
/// <param name="Status">The HTTP status of an Error fault.</param>
/// <param name="Code">The Partner Center code of an Error or OrderErrors fault.</param>
/// <param name="Description">Its description.</param>
/// <param name="RetryAfterSeconds">Retry-After of a Throttle fault.</param>
/// <param name="HoldForSeconds">How long TimeoutAfterChange holds the answer; null aborts the connection.</param>
/// <param name="ProvisioningDelaySeconds">SlowProvisioning's delay.</param>
public sealed record FaultSpec(
    string Path, FaultKind Kind, string? Method = null, int Count = 1, int Status = 0, int Code = 0,
    string? Description = null, int RetryAfterSeconds = 57, double? HoldForSeconds = null, double? ProvisioningDelaySeconds = null);

/// <summary>How many of each resource the server holds.</summary>
public sealed record LocalCounts(int Resellers, int Customers, int Agreements, int Carts, int Orders, int Subscriptions, int AuditRecords);

/// <summary>A call the server received: its method, path, query, headers (Authorization left out) and answer.</summary>
public sealed record SeenRequest(
    string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, int Status, DateTimeOffset ReceivedAt);

/// <summary>A subscription PATCH body as received, and what the server did because of what it lacked.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Body">The body, verbatim.</param>
/// <param name="AutoRenewTurnedOff">autoRenewEnabled was missing, so auto-renew went off [K:update-a-subscription-by-id].</param>
/// <param name="NextTermInstructionsDeleted">scheduledNextTermInstructions were set and the body lacked them, so they went.</param>
public sealed record ReceivedPatch(
    string CustomerId, string SubscriptionId, string Body, bool AutoRenewTurnedOff, bool NextTermInstructionsDeleted);

/// <summary>A refresh token issued for the integration user without the authorize flow (local development).</summary>
public sealed record IssuedRefreshToken(string RefreshToken, string UserPrincipalName, DateTimeOffset ExpiresOn);

/// <summary>Revokes one refresh token, or all of them when <see cref="RefreshToken"/> is null.</summary>
public sealed record RevokeRefreshTokens(string? RefreshToken);

/// <summary>A domain that exists outside the server's customers (HEAD /v1/domains answers 200, create is refused).</summary>
public sealed record TakenDomain(string Domain);

/// <summary>Changes to the running server's behaviour; what is null stays as it is.</summary>
public sealed record LocalSettings(
    double? LatencyMs = null, double? ProvisioningDelayMs = null, double? CheckoutProcessingMs = null,
    int? RateLimitPerTenant = null, double? RateLimitWindowSeconds = null, bool? SandboxLimits = null,
    double? RefreshTokenLifetimeSeconds = null, bool? SlowSubscriptionChanges = null, bool? RefuseSupportContactForNce = null,
    RelationshipRequestShape? RelationshipRequestShape = null);

/// <summary>The server's endpoints, for a script that started it as a process; with what a receiver of its webhook events
/// checks: the organization its signing certificate names, and where its root is (PEM).</summary>
public sealed record LocalEndpoints(
    string BaseUrl, string TokenEndpoint, string AuthorizeEndpoint, string TenantId, string ClientId, string WebhookSigningOrganization, string WebhookRootUrl);

/// <summary>What became of an event sent to the webhook.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WebhookDeliveryStatus>))]
public enum WebhookDeliveryStatus
{
    /// <summary>Being sent, or waiting for its next attempt.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed (Partner Center would now keep it in its offline queue).</summary>
    Failed,
}

/// <summary>An event sent (or being sent) to the registered webhook. The shape of Partner Center's own
/// GET …/validationEvents/{correlationId} answer is UNVERIFIED; this server answers with this record.</summary>
/// <param name="CorrelationId">The delivery's id (validationEvents answers it).</param>
/// <param name="EventName">The event.</param>
/// <param name="WebhookUrl">Where it went.</param>
/// <param name="Body">The exact body signed and sent.</param>
/// <param name="Status">Pending, Delivered or Failed.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="LastStatus">The HTTP status of the last attempt, if it got an answer.</param>
/// <param name="LastError">Why the last attempt got no answer.</param>
/// <param name="QueuedAt">When the change that caused it happened.</param>
public sealed record WebhookDeliveryResult(
    string CorrelationId, string EventName, string WebhookUrl, string Body, WebhookDeliveryStatus Status, int Attempts,
    int? LastStatus, string? LastError, string QueuedAt);

/// <summary>A change made in Partner Center's own portal (not through the API): what is null stays as it is.</summary>
public sealed record PortalSubscriptionChange(int? Quantity = null, bool? AutoRenewEnabled = null, string? FriendlyName = null);

/// <summary>An event to send now to the registered webhook, whatever the registration asks for.</summary>
/// <param name="EventName">e.g. subscription-updated, reseller-relationship-accepted-by-customer.</param>
/// <param name="ResourceUri">The resource it names, e.g. …/webhooks/v1/customers/{cid}/subscriptions/{sid}.</param>
/// <param name="ResourceName">e.g. subscription, customer.</param>
/// <param name="AuditUri">Optional.</param>
public sealed record LocalEvent(string? EventName, string? ResourceUri, string? ResourceName, string? AuditUri = null);
