using System.Net;
using System.Text.Json;
using static System.Uri;

namespace Tier2.Functions.PartnerCenter;

// The typed APIs over PartnerCenterClient, one class per Partner Center resource. Each call uses App-only where
// Partner Center accepts it (so it works before an account is connected) and App+User where it is required
// (FACTS 1.4: everything about indirect resellers and their customers, agreements, provisioning status, support contacts).

/// <summary>Indirect resellers: <c>GET /v1/relationships</c> (App+User).</summary>
public sealed class PartnerCenterRelationships(PartnerCenterClient client)
{
    /// <summary>The provider's indirect resellers (id = tenant id, mpnId = PartnerID); no paging is documented, links.next is followed anyway.</summary>
    public IAsyncEnumerable<PartnerRelationship> ListIndirectResellersAsync(CancellationToken cancellationToken = default) =>
        client.ListAsync("v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.ResourceCollectionPartnerRelationship, cancellationToken);

    /// <summary>The indirect resellers (and providers) of a customer.</summary>
    public IAsyncEnumerable<PartnerRelationship> ListForCustomerAsync(string customerId, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers/{EscapeDataString(customerId)}/relationships", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.ResourceCollectionPartnerRelationship, cancellationToken);
}

/// <summary>Whether a reseller may transact: its Microsoft Partner Agreement, its PartnerID profile (App+User).</summary>
public sealed class PartnerCenterCompliance(PartnerCenterClient client)
{
    public Task<AgreementStatus> GetAgreementStatusByMpnIdAsync(string mpnId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/compliance/csp/agreementstatus?mpnId={EscapeDataString(mpnId)}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.AgreementStatus, cancellationToken);

    public Task<AgreementStatus> GetAgreementStatusByTenantIdAsync(string tenantId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/compliance/csp/agreementstatus?tenantId={EscapeDataString(tenantId)}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.AgreementStatus, cancellationToken);

    public Task<MpnProfile> GetMpnProfileAsync(string mpnId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/profiles/mpn?mpnId={EscapeDataString(mpnId)}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.MpnProfile, cancellationToken);
}

/// <summary><c>HEAD /v1/domains/{domain}</c>: 200 means taken, 404 free (App-only).</summary>
public sealed class PartnerCenterDomains(PartnerCenterClient client)
{
    public async Task<bool> IsAvailableAsync(string domain, CancellationToken cancellationToken = default) =>
        await client.SendForStatusAsync(HttpMethod.Head, $"v1/domains/{EscapeDataString(domain)}", PartnerCenterAuth.AppOnly, [HttpStatusCode.NotFound], cancellationToken) == HttpStatusCode.NotFound;

    /// <summary>Throws <see cref="PartnerCenterErrorKind.DomainTaken"/> when the domain is taken.</summary>
    public async Task EnsureAvailableAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (!await IsAvailableAsync(domain, cancellationToken))
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.DomainTaken, $"The domain '{domain}' is already taken in Microsoft's cloud; choose another.", HttpStatusCode.OK);
        }
    }
}

/// <summary>Address validation and per-country rules (App-only); the rules are reference data, cached (<see cref="PartnerCenterReferenceCache"/>).</summary>
public sealed class PartnerCenterValidations(PartnerCenterClient client, PartnerCenterReferenceCache? referenceData = null)
{
    public Task<AddressValidationResult> ValidateAddressAsync(Address address, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, "v1/validations/address", PartnerCenterAuth.AppOnly, address, PartnerCenterJsonContext.Default.Address, PartnerCenterJsonContext.Default.AddressValidationResult, cancellationToken);

    /// <summary>Validates and throws <see cref="PartnerCenterErrorKind.InvalidAddress"/> (with the status) unless the address is Verified or VerifiedShippable.</summary>
    public async Task<AddressValidationResult> EnsureValidAsync(Address address, CancellationToken cancellationToken = default)
    {
        var result = await ValidateAddressAsync(address, cancellationToken);
        return result.IsValid
            ? result
            : throw new PartnerCenterException(PartnerCenterErrorKind.InvalidAddress, $"Partner Center did not verify the address ({result.Status}){(result.ValidationMessage is { } m ? ": " + m : ".")}", HttpStatusCode.OK, result.Status, result.ValidationMessage);
    }

    /// <summary>A country's rules: read from Partner Center at most once an hour per country (a failed read is not kept).</summary>
    public async Task<CountryValidationRules> GetCountryRulesAsync(string iso2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(iso2);
        var path = $"v1/countryvalidationrules/{EscapeDataString(iso2)}";
        Task<CountryValidationRules?> Read(CancellationToken ct) =>
            client.SendAsync(HttpMethod.Get, path, PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.CountryValidationRules, ct)!;
        return (referenceData is null ? await Read(cancellationToken) : await referenceData.GetAsync(client.ResolveLink(path).AbsoluteUri, Read, cancellationToken))
            ?? throw new InvalidOperationException($"Partner Center answered no rules for country {iso2}.");
    }
}

/// <summary>Customers (App+User: Tier2's customers are resellers' customers).</summary>
public sealed class PartnerCenterCustomers(PartnerCenterClient client)
{
    /// <summary>
    /// Creates a customer for a reseller (201, or 200 as the Swagger page says: both accepted). The answer's
    /// <see cref="Customer.UserCredentials"/> holds the temporary admin password: a secret, shown once.
    /// </summary>
    public Task<Customer> CreateAsync(NewCustomer customer, CancellationToken cancellationToken = default) =>
        CreateAsync(customer, requestId: null, cancellationToken);

    /// <summary>
    /// Creates a customer under an <c>MS-RequestId</c> the caller derives from its own work (an order): create is
    /// documented idempotent by request id, so a repeat after a crash or a lost answer gets the first 201 back,
    /// temporary password included, instead of a second tenant.
    /// </summary>
    public Task<Customer> CreateAsync(NewCustomer customer, string? requestId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, "v1/customers", PartnerCenterAuth.AppUser, customer, PartnerCenterJsonContext.Default.NewCustomer, PartnerCenterJsonContext.Default.Customer, requestId, cancellationToken);

    public Task<Customer> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/customers/{EscapeDataString(customerId)}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.Customer, cancellationToken);

    public IAsyncEnumerable<Customer> ListAsync(int pageSize = 500, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers?size={pageSize}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.ResourceCollectionCustomer, cancellationToken);

    /// <summary>Customers matching a search (<c>?size=&amp;filter=</c>), page after page.</summary>
    public IAsyncEnumerable<Customer> SearchAsync(CustomerFilter filter, int pageSize = 500, CancellationToken cancellationToken = default) =>
        client.ListAsync(
            $"v1/customers?size={pageSize}&filter={EscapeDataString(JsonSerializer.Serialize(filter, PartnerCenterJsonContext.Default.CustomerFilter))}",
            PartnerCenterAuth.AppUser,
            PartnerCenterJsonContext.Default.ResourceCollectionCustomer,
            cancellationToken);

    /// <summary>The customers of an indirect reseller, by the reseller's tenant id.</summary>
    public IAsyncEnumerable<Customer> ListOfResellerAsync(string resellerTenantId, int pageSize = 500, CancellationToken cancellationToken = default) =>
        SearchAsync(new CustomerFilter("IndirectReseller", resellerTenantId), pageSize, cancellationToken);

    /// <summary>
    /// The customer whose domain is exactly <paramref name="domain"/>, or null: the look-up before a create, so a
    /// create repeated after a crash finds the tenant the first one made instead of making a second.
    /// </summary>
    public async Task<Customer?> FindByDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        await foreach (var customer in SearchAsync(new CustomerFilter("Domain", domain), 50, cancellationToken))
        {
            if (string.Equals(customer.CompanyProfile?.Domain, domain, StringComparison.OrdinalIgnoreCase))
            {
                return customer;
            }
        }

        return null;
    }

    /// <summary>The provider's own reseller-relationship invitation link for customers.</summary>
    public Task<RelationshipRequest> GetRelationshipRequestAsync(CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, "v1/customers/relationshiprequests", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.RelationshipRequest, cancellationToken);

    /// <summary>
    /// The link a customer follows to accept a reseller relationship with the provider and the indirect reseller whose
    /// tenant id is given. Its output is UNVERIFIED (FACTS 4: Swagger lists the parameter, no example exists): read as
    /// JSON and taken in either shape (<see cref="RelationshipRequestAnswer.Read"/>). Not supported in the sandbox (FACTS 9).
    /// </summary>
    public async Task<RelationshipRequestAnswer> GetRelationshipRequestForResellerAsync(string resellerTenantId, CancellationToken cancellationToken = default) =>
        RelationshipRequestAnswer.Read(await client.SendAsync(HttpMethod.Get, $"v1/customers/relationshiprequests?indirectResellerId={EscapeDataString(resellerTenantId)}", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.JsonElement, cancellationToken));
}

/// <summary>Microsoft Customer Agreement attestation, which the provider makes for a reseller's customer (App+User).</summary>
public sealed class PartnerCenterAgreements(PartnerCenterClient client, PartnerCenterReferenceCache? referenceData = null)
{
    /// <summary>
    /// The agreement type's template (its <c>templateId</c> goes into every attestation): reference data, read from
    /// Partner Center at most once an hour (neither a failure nor "no template" is kept).
    /// </summary>
    public Task<AgreementMetadata?> GetMetadataAsync(string agreementType = Agreement.MicrosoftCustomerAgreement, CancellationToken cancellationToken = default)
    {
        var path = $"v1/agreements?agreementType={EscapeDataString(agreementType)}";
        async Task<AgreementMetadata?> Read(CancellationToken ct)
        {
            await foreach (var metadata in client.ListAsync(path, PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.ResourceCollectionAgreementMetadata, ct))
            {
                return metadata;
            }

            return null;
        }

        return referenceData is null ? Read(cancellationToken) : referenceData.GetAsync(client.ResolveLink(path).AbsoluteUri, Read, cancellationToken);
    }

    public Task<Agreement> CreateAsync(string customerId, Agreement agreement, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, $"v1/customers/{EscapeDataString(customerId)}/agreements", PartnerCenterAuth.AppUser, agreement, PartnerCenterJsonContext.Default.Agreement, PartnerCenterJsonContext.Default.Agreement, cancellationToken);
}

/// <summary>NCE carts: create, read, check out (App-only; checkout is idempotent per cart).</summary>
public sealed class PartnerCenterCarts(PartnerCenterClient client)
{
    /// <summary>Creates a cart. Refuses lines without a <c>transaction_reseller</c>: Partner Center would take the order and drop the attribution.</summary>
    public Task<Cart> CreateAsync(string customerId, Cart cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        var unattributed = cart.LineItems.FirstOrDefault(l => l.Participants?.Any(p => p.Key == CartParticipant.TransactionReseller && !string.IsNullOrWhiteSpace(p.Value)) != true);
        if (unattributed is not null)
        {
            throw new ArgumentException($"Cart line {unattributed.Id} names no transaction_reseller (the reseller's PartnerID).", nameof(cart));
        }

        return client.SendAsync(HttpMethod.Post, $"v1/customers/{EscapeDataString(customerId)}/carts", PartnerCenterAuth.AppOnly, cart, PartnerCenterJsonContext.Default.Cart, PartnerCenterJsonContext.Default.Cart, cancellationToken);
    }

    public Task<Cart> GetAsync(string customerId, string cartId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/customers/{EscapeDataString(customerId)}/carts/{EscapeDataString(cartId)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.Cart, cancellationToken);

    /// <summary>Checks the cart out (no body): the orders made, and <c>orderErrors</c> for the order groups that failed.</summary>
    public Task<CartCheckoutResult> CheckoutAsync(string customerId, string cartId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, $"v1/customers/{EscapeDataString(customerId)}/carts/{EscapeDataString(cartId)}/checkout", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.CartCheckoutResult, cancellationToken);
}

/// <summary>Orders: read, provisioning status (App+User), and legacy create.</summary>
public sealed class PartnerCenterOrders(PartnerCenterClient client)
{
    public Task<Order> GetAsync(string customerId, string orderId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/customers/{EscapeDataString(customerId)}/orders/{EscapeDataString(orderId)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.Order, cancellationToken);

    public IAsyncEnumerable<Order> ListAsync(string customerId, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers/{EscapeDataString(customerId)}/orders", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.ResourceCollectionOrder, cancellationToken);

    public IAsyncEnumerable<OrderLineItemProvisioningStatus> GetProvisioningStatusAsync(string customerId, string orderId, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers/{EscapeDataString(customerId)}/orders/{EscapeDataString(orderId)}/provisioningstatus", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.ResourceCollectionOrderLineItemProvisioningStatus, cancellationToken);

    /// <summary>A legacy order; each line's <c>PartnerIdOnRecord</c> is the reseller's PartnerID.</summary>
    public Task<Order> CreateAsync(string customerId, Order order, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, $"v1/customers/{EscapeDataString(customerId)}/orders", PartnerCenterAuth.AppUser, order, PartnerCenterJsonContext.Default.Order, PartnerCenterJsonContext.Default.Order, cancellationToken);
}

/// <summary>Subscriptions: read, change (read-modify-write of the whole resource), partner of record, support contact.</summary>
public sealed class PartnerCenterSubscriptions(PartnerCenterClient client)
{
    public Task<Subscription> GetAsync(string customerId, string subscriptionId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, Path(customerId, subscriptionId), PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.Subscription, cancellationToken);

    public IAsyncEnumerable<Subscription> ListAsync(string customerId, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers/{EscapeDataString(customerId)}/subscriptions", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.ResourceCollectionSubscription, cancellationToken);

    /// <summary>A customer's subscriptions whose reseller of record is <paramref name="resellerMpnId"/>.</summary>
    public IAsyncEnumerable<Subscription> ListByResellerAsync(string customerId, string resellerMpnId, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/customers/{EscapeDataString(customerId)}/subscriptions?mpn_id={EscapeDataString(resellerMpnId)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.ResourceCollectionSubscription, cancellationToken);

    /// <summary>PATCHes the whole <paramref name="subscription"/> (as read, then changed): a partial one turns auto-renew off.</summary>
    public async Task<SubscriptionChange> UpdateAsync(string customerId, Subscription subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var (status, body, location) = await client.SendAcceptingAsync(HttpMethod.Patch, Path(customerId, subscription.Id), PartnerCenterAuth.AppOnly, subscription, PartnerCenterJsonContext.Default.Subscription, PartnerCenterJsonContext.Default.Subscription, cancellationToken);
        return new SubscriptionChange(body, status == HttpStatusCode.Accepted, location);
    }

    /// <summary>The subscription at a 202's <c>Location</c> (made absolute on the configured base URL by the client).</summary>
    public Task<Subscription> GetAtAsync(Uri location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return client.SendAsync(HttpMethod.Get, location.AbsoluteUri, PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.Subscription, cancellationToken);
    }

    /// <summary>Reads, sets the quantity, writes. An NCE decrease outside its window fails with <see cref="PartnerCenterErrorKind.QuantityDecreaseNotAllowed"/>.</summary>
    public async Task<SubscriptionChange> ChangeQuantityAsync(string customerId, string subscriptionId, int quantity, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(customerId, subscriptionId, cancellationToken);
        return await UpdateAsync(customerId, current with { Quantity = quantity }, cancellationToken);
    }

    /// <summary>Reads, sets <c>partnerId</c> (the reseller of record's PartnerID), writes.</summary>
    public async Task<SubscriptionChange> SetPartnerOfRecordAsync(string customerId, string subscriptionId, string resellerMpnId, CancellationToken cancellationToken = default)
    {
        var current = await GetAsync(customerId, subscriptionId, cancellationToken);
        return await UpdateAsync(customerId, current with { PartnerId = resellerMpnId }, cancellationToken);
    }

    public Task<SupportContact> GetSupportContactAsync(string customerId, string subscriptionId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, Path(customerId, subscriptionId) + "/supportcontact", PartnerCenterAuth.AppUser, PartnerCenterJsonContext.Default.SupportContact, cancellationToken);

    /// <summary>Names a partnered reseller (tenant id, PartnerID) as the subscription's support contact.</summary>
    public Task<SupportContact> SetSupportContactAsync(string customerId, string subscriptionId, SupportContact contact, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Put, Path(customerId, subscriptionId) + "/supportcontact", PartnerCenterAuth.AppUser, contact with { Attributes = new ResourceAttributes("SupportContact", null) }, PartnerCenterJsonContext.Default.SupportContact, PartnerCenterJsonContext.Default.SupportContact, cancellationToken);

    private static string Path(string customerId, string subscriptionId) => $"v1/customers/{EscapeDataString(customerId)}/subscriptions/{EscapeDataString(subscriptionId)}";
}

/// <summary>The catalog: products, SKUs, availabilities (App-only).</summary>
public sealed class PartnerCenterProducts(PartnerCenterClient client)
{
    public IAsyncEnumerable<Product> ListAsync(string country, string targetView = "OnlineServices", string? targetSegment = null, CancellationToken cancellationToken = default) =>
        client.ListAsync(
            $"v1/products?country={EscapeDataString(country)}&targetView={EscapeDataString(targetView)}{(targetSegment is null ? string.Empty : "&targetSegment=" + EscapeDataString(targetSegment))}",
            PartnerCenterAuth.AppOnly,
            PartnerCenterJsonContext.Default.ResourceCollectionProduct,
            cancellationToken);

    public IAsyncEnumerable<Sku> ListSkusAsync(string productId, string country, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/products/{EscapeDataString(productId)}/skus?country={EscapeDataString(country)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.ResourceCollectionSku, cancellationToken);

    public IAsyncEnumerable<Availability> ListAvailabilitiesAsync(string productId, string skuId, string country, CancellationToken cancellationToken = default) =>
        client.ListAsync($"v1/products/{EscapeDataString(productId)}/skus/{EscapeDataString(skuId)}/availabilities?country={EscapeDataString(country)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.ResourceCollectionAvailability, cancellationToken);

    /// <summary>One availability, read again when a checkout answered 400019 (stale catalog item).</summary>
    public Task<Availability> GetAvailabilityAsync(string productId, string skuId, string availabilityId, string country, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"v1/products/{EscapeDataString(productId)}/skus/{EscapeDataString(skuId)}/availabilities/{EscapeDataString(availabilityId)}?country={EscapeDataString(country)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.Availability, cancellationToken);
}

/// <summary><c>GET /v1/auditrecords</c>: what changed in Partner Center, within 90 days back (App-only).</summary>
public sealed class PartnerCenterAuditRecords(PartnerCenterClient client)
{
    public IAsyncEnumerable<AuditRecord> ListAsync(DateTimeOffset startDate, DateTimeOffset? endDate = null, CancellationToken cancellationToken = default) =>
        ListAsync(startDate, endDate, filter: null, cancellationToken);

    /// <summary>The records of one customer (<c>filter={"Field":"CustomerId",...}</c>) from <paramref name="startDate"/> on.</summary>
    public IAsyncEnumerable<AuditRecord> ListForCustomerAsync(string customerId, DateTimeOffset startDate, CancellationToken cancellationToken = default) =>
        ListAsync(startDate, endDate: null, new AuditRecordFilter("CustomerId", customerId), cancellationToken);

    private IAsyncEnumerable<AuditRecord> ListAsync(DateTimeOffset startDate, DateTimeOffset? endDate, AuditRecordFilter? filter, CancellationToken cancellationToken) =>
        client.ListAsync(
            $"v1/auditrecords?startDate={EscapeDataString(startDate.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}"
                + (endDate is { } end ? "&endDate=" + EscapeDataString(end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)) : string.Empty)
                + (filter is null ? string.Empty : "&filter=" + EscapeDataString(JsonSerializer.Serialize(filter, PartnerCenterJsonContext.Default.AuditRecordFilter))),
            PartnerCenterAuth.AppOnly,
            PartnerCenterJsonContext.Default.ResourceCollectionAuditRecord,
            cancellationToken);
}

/// <summary>Webhook registration under <c>/webhooks/v1/registration</c> (App-only).</summary>
public sealed class PartnerCenterWebhooks(PartnerCenterClient client)
{
    private const string Registration = "webhooks/v1/registration";

    public Task<IReadOnlyList<string>> ListEventsAsync(CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, Registration + "/events", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.IReadOnlyListString, cancellationToken);

    public Task<WebhookRegistration> GetAsync(CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, Registration, PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.WebhookRegistration, cancellationToken);

    public Task<WebhookRegistration> RegisterAsync(WebhookRegistration registration, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, Registration, PartnerCenterAuth.AppOnly, registration, PartnerCenterJsonContext.Default.WebhookRegistration, PartnerCenterJsonContext.Default.WebhookRegistration, cancellationToken);

    public Task<WebhookRegistration> UpdateAsync(WebhookRegistration registration, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Put, Registration, PartnerCenterAuth.AppOnly, registration, PartnerCenterJsonContext.Default.WebhookRegistration, PartnerCenterJsonContext.Default.WebhookRegistration, cancellationToken);

    /// <summary>Asks Partner Center to send a test event (needs <c>test-created</c> registered); its correlation id reads the result.</summary>
    public Task<WebhookValidationEvent> SendValidationEventAsync(CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Post, Registration + "/validationEvents", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.WebhookValidationEvent, cancellationToken);

    public Task<JsonElement> GetValidationEventAsync(string correlationId, CancellationToken cancellationToken = default) =>
        client.SendAsync(HttpMethod.Get, $"{Registration}/validationEvents/{EscapeDataString(correlationId)}", PartnerCenterAuth.AppOnly, PartnerCenterJsonContext.Default.JsonElement, cancellationToken);
}
