namespace Tier2.LocalPartnerCenter;

/// <summary>
/// How a local Partner Center behaves. The defaults are the integration sandbox's limits and Partner Center's
/// documented rate limit; latency is off unless a benchmark asks for it.
/// </summary>
public sealed class LocalPartnerCenterOptions
{
    /// <summary>The provider's (indirect provider's) tenant id: the token endpoint lives under it.</summary>
    public string ProviderTenantId { get; set; } = "5d9bd1c6-6a2c-4b0b-9c44-3b7c8c1f0a11";

    /// <summary>The provider's own PartnerID. Naming it as partner of record is refused with 404/2072.</summary>
    public string ProviderMpnId { get; set; } = "1234567";

    /// <summary>The app registration's client id the token endpoint accepts.</summary>
    public string ClientId { get; set; } = "00000000-0000-0000-0000-00000000c11e";

    /// <summary>The app registration's client secret the token endpoint accepts.</summary>
    public string ClientSecret { get; set; } = "local-partner-center-secret";

    /// <summary>The integration account the authorize endpoint signs in (with MFA) and App+User tokens name.</summary>
    public string IntegrationUserUpn { get; set; } = "integration@provider.onmicrosoft.com";

    /// <summary>Added to every API answer (not the token endpoint), to benchmark against realistic round trips.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>How long after checkout an order's subscriptions get their ids (provisioning is asynchronous).</summary>
    public TimeSpan ProvisioningDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a checkout holds its cart "being processed" (a second checkout meanwhile gets 409/800064).</summary>
    public TimeSpan CheckoutProcessingTime { get; set; } = TimeSpan.Zero;

    /// <summary>Requests per <see cref="RateLimitWindow"/> per partner tenant on /v1/customers/** (customer, order,
    /// subscription resources: "500 requests per minute per tenant identifier" [K:customer-resources]). 0 turns it off.</summary>
    public int RateLimitPerTenant { get; set; } = 500;

    /// <summary>The rate limit's sliding window.</summary>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The integration sandbox's limits: 75 customers, 5 subscriptions per customer, 25 licences per
    /// subscription [L:test-and-debug].</summary>
    public bool SandboxLimits { get; set; } = true;

    /// <summary>How long a refresh token stays redeemable after it was issued (Entra: 90 days, each redemption issues a
    /// new one and the old one is not revoked [entra refresh-tokens]).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Access tokens' lifetime (expires_in "3599").</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromSeconds(3599);

    /// <summary>The most customers one page of GET /v1/customers holds, whatever <c>size</c> asks (FACTS 7 samples ask for
    /// 500). Lower it to make a few customers span several pages: a client follows links.next whatever a page holds.</summary>
    public int MaxCustomerPageSize { get; set; } = 500;

    /// <summary>Which of the two UNVERIFIED shapes GET /v1/customers/relationshiprequests answers with.</summary>
    public RelationshipRequestShape RelationshipRequestShape { get; set; } = RelationshipRequestShape.Documented;

    /// <summary>Refuse support-contact GET/PUT on NCE subscriptions, as the 2023 page says ("not currently supported");
    /// its current status is UNVERIFIED.</summary>
    public bool RefuseSupportContactForNce { get; set; } = true;

    /// <summary>Answer a subscription PATCH with 202 + Location instead of 200 (the documented slow-change answer).</summary>
    public bool SlowSubscriptionChanges { get; set; }

    /// <summary>The organization (O=) in the subject of the certificate that signs webhook events (and of its root). A
    /// receiver checks it as <c>PartnerCenter__Events__CertificateOrganization</c>; Microsoft's is "Microsoft Corporation".</summary>
    public string WebhookSigningOrganization { get; set; } = "Tier2 Local Partner Center";

    /// <summary>Attempts to deliver one event before giving up. Partner Center makes 10, then keeps the event in an
    /// offline queue (FACTS 10); a few are enough locally.</summary>
    public int WebhookAttempts { get; set; } = 4;

    /// <summary>The wait before the second attempt; each later wait doubles.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The user the audit records name for a change made in the portal (<c>PATCH /_local/customers/…</c>),
    /// as opposed to the integration user the API's changes name.</summary>
    public string PortalUserUpn { get; set; } = "admin@provider.onmicrosoft.com";

    /// <summary>The clock: tests pass a FakeTimeProvider to expire refresh tokens or leave the 7-day window.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>The output of GET /v1/customers/relationshiprequests, whose indirect-reseller form is UNVERIFIED (FACTS 4).</summary>
public enum RelationshipRequestShape
{
    /// <summary><c>{url, attributes{objectType:"RelationshipRequest"}}</c> as [K:request-reseller-relationship] shows.</summary>
    Documented,

    /// <summary>The same link inside a collection: <c>{totalCount:1, items:[{url, attributes}], attributes}</c>.</summary>
    Collection,

    /// <summary>Neither: the link under another name (<c>{invitationLink, attributes}</c>), for testing what a client does with an answer it cannot read.</summary>
    Unrecognized,
}
