using System.Globalization;
using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>A reseller in partnership with the provider. Removing the partnership (portal-only in Partner Center) makes
/// it inactive: it leaves the relationships list and can no longer be named.</summary>
internal sealed class ResellerRecord(string tenantId, string mpnId, string name, string location, bool mpaSigned)
{
    public string TenantId { get; } = tenantId;
    public string MpnId { get; set; } = mpnId;
    public string Name { get; set; } = name;
    public string Location { get; set; } = location;
    public bool MpaSigned { get; set; } = mpaSigned;
    public bool Active { get; set; } = true;

    public PartnerRelationship ToRelationship() => new(
        TenantId, Name, "is_indirect_cloud_solution_provider_of", Active ? "Active" : "Inactive", MpnId, Location,
        new ResourceAttributes("PartnerRelationship"));
}

internal sealed class CartRecord(string customerId, Cart cart)
{
    public string CustomerId { get; } = customerId;
    public Cart Cart { get; } = cart;
    public bool Processing { get; set; }
    public CartCheckoutResult? Result { get; set; }
}

/// <summary>An order and when its subscriptions come into being (provisioning is asynchronous [K:checkout-a-cart]).</summary>
internal sealed class OrderRecord(string customerId, Order order, DateTimeOffset provisionAt, IReadOnlyList<CartLineItem> lines)
{
    public string CustomerId { get; } = customerId;
    public Order Order { get; set; } = order;
    public DateTimeOffset ProvisionAt { get; } = provisionAt;
    public IReadOnlyList<CartLineItem> Lines { get; } = lines;
    public bool Provisioned => Order.Status == "completed";
}

internal sealed class SubscriptionRecord(string customerId, Subscription subscription)
{
    public string CustomerId { get; } = customerId;
    public Subscription Subscription { get; set; } = subscription;
    public SupportContact? SupportContact { get; set; }
}

/// <summary>Everything the local Partner Center holds, behind one lock (<see cref="Gate"/>): callers take it around a
/// read-decide-write so each call is atomic, as the real service's resources are.</summary>
internal sealed class PartnerCenterState(LocalPartnerCenterOptions options, Catalog catalog)
{
    public object Gate { get; } = new();
    public Catalog Catalog { get; } = catalog;
    public LocalPartnerCenterOptions Options { get; } = options;
    public Dictionary<string, ResellerRecord> Resellers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<Customer> Customers { get; } = [];
    public HashSet<string> TakenDomains { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Create-customer answers by MS-RequestId: a repeat gets the first answer [K:create-a-customer].</summary>
    public Dictionary<string, Customer> CustomerCreatesByRequestId { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<Agreement>> Agreements { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, CartRecord> Carts { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, OrderRecord> Orders { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, SubscriptionRecord> Subscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<AuditRecord> Audit { get; } = [];
    public WebhookRegistration? Webhook { get; set; }

    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    public static string Stamp(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    public Customer? FindCustomer(string id) => Customers.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public ResellerRecord? ActiveResellerByMpnId(string? mpnId) => Resellers.Values.FirstOrDefault(r => r.Active && r.MpnId == mpnId);

    public bool DomainTaken(string domain) =>
        TakenDomains.Contains(domain) || Customers.Any(c => string.Equals(c.CompanyProfile?.Domain, domain, StringComparison.OrdinalIgnoreCase));

    /// <summary>Seeds or updates a reseller; a new or renewed partnership is audited as create_partner_relationship.</summary>
    public ResellerRecord SeedReseller(SeededReseller seed)
    {
        string tenantId = string.IsNullOrWhiteSpace(seed.TenantId) ? Guid.NewGuid().ToString() : seed.TenantId;
        bool isNew = !Resellers.TryGetValue(tenantId, out ResellerRecord? reseller) || !reseller.Active;
        reseller ??= Resellers[tenantId] = new ResellerRecord(tenantId, seed.MpnId, seed.Name, seed.Location, seed.MpaSigned);
        (reseller.MpnId, reseller.Name, reseller.Location, reseller.MpaSigned, reseller.Active) = (seed.MpnId, seed.Name, seed.Location, seed.MpaSigned, true);
        if (isNew)
        {
            AddAudit("create_partner_relationship", "partner_relationship", null, null, reseller.ToRelationship(), [new("PartnerId", reseller.MpnId), new("TenantId", tenantId)]);
        }

        return reseller;
    }

    /// <summary>Adds a customer of an indirect reseller as if it had been made outside the API (audited as add_customer); an existing id is kept.</summary>
    public Customer SeedCustomer(SeededCustomer seed)
    {
        string id = string.IsNullOrWhiteSpace(seed.Id) ? Guid.NewGuid().ToString() : seed.Id;
        if (FindCustomer(id) is { } existing)
        {
            return existing;
        }

        Customer customer = new(id, id,
            new CustomerCompanyProfile(id, ValidationEndpoints.NormalizeDomain(seed.Domain), seed.CompanyName, Attributes: new ResourceAttributes("CustomerCompanyProfile")),
            RelationshipToPartner: "reseller", AllowDelegatedAccess: true, AssociatedPartnerId: seed.ResellerTenantId, Attributes: new ResourceAttributes("Customer"));
        Customers.Add(customer);
        AddAudit("add_customer", "customer", id, seed.CompanyName, customer, []);
        return customer;
    }

    public bool RemoveReseller(string tenantId)
    {
        if (!Resellers.TryGetValue(tenantId, out ResellerRecord? reseller) || !reseller.Active)
        {
            return false;
        }

        reseller.Active = false;
        AddAudit("remove_partner_relationship", "partner_relationship", null, null, reseller.ToRelationship(), [new("PartnerId", reseller.MpnId), new("TenantId", tenantId)]);
        return true;
    }

    /// <summary>Records an operation the integration user made through the app.</summary>
    public void AddAudit<T>(string operation, string resourceType, string? customerId, string? customerName, T newValue, IReadOnlyList<KeyValue> data)
    {
        string value = JsonSerializer.Serialize(newValue, typeof(T), PartnerCenterJson.Default);
        Audit.Add(new AuditRecord(Guid.NewGuid().ToString(), Options.ProviderMpnId, customerId, customerName, Options.IntegrationUserUpn,
            resourceType, value, operation, Stamp(Now), "succeeded", data, new ResourceAttributes("AuditRecord"), Options.ClientId));
    }

    /// <summary>A change of a customer's subscription, audited as <c>update_subscription</c> with who made it: the user
    /// (null for an App-only call; the portal user for a portal change) and the application (none for the portal)
    /// [K:auditing-resources], and the subscription before and after. Whether Partner Center audits a support-contact
    /// change under this operation type is UNVERIFIED; here it does.</summary>
    public void AuditSubscriptionChange<T>(string? user, string? applicationId, string customerId, T oldValue, T newValue)
    {
        Audit.Add(new AuditRecord(Guid.NewGuid().ToString(), Options.ProviderMpnId, customerId, FindCustomer(customerId)?.CompanyProfile?.CompanyName,
            user, "subscription", JsonSerializer.Serialize(newValue, typeof(T), PartnerCenterJson.Default), "update_subscription",
            Stamp(Now), "succeeded", [], new ResourceAttributes("AuditRecord"), applicationId, JsonSerializer.Serialize(oldValue, typeof(T), PartnerCenterJson.Default)));
    }

    /// <summary>Completes every order whose provisioning time has come: its subscriptions get ids, the order's lines
    /// name them and the order is completed. Called under <see cref="Gate"/> before anything reads orders or subscriptions.</summary>
    public void ProvisionDue()
    {
        foreach (OrderRecord order in Orders.Values.Where(o => !o.Provisioned && o.ProvisionAt <= Now))
        {
            List<OrderLineItem> lines = [];
            foreach ((OrderLineItem line, CartLineItem cartLine) in order.Order.LineItems.Zip(order.Lines))
            {
                string subscriptionId = Guid.NewGuid().ToString();
                Subscriptions[subscriptionId] = new SubscriptionRecord(order.CustomerId, NewSubscription(subscriptionId, order.Order.Id, line, cartLine));
                lines.Add(line with { SubscriptionId = subscriptionId });
            }

            order.Order = order.Order with { LineItems = lines, Status = "completed" };
        }
    }

    private Subscription NewSubscription(string id, string orderId, OrderLineItem line, CartLineItem cartLine)
    {
        DateTimeOffset start = Now;
        DateTimeOffset end = cartLine.TermDuration switch
        {
            "P1M" => start.AddMonths(1),
            "P3Y" => start.AddYears(3),
            _ => start.AddYears(1),
        };
        string refundableUntil = Stamp(start.AddDays(7));
        return new Subscription(
            id, line.OfferId, line.FriendlyName, line.FriendlyName, new ItemType("OnlineServicesNCE", "OnlineServicesNCE"), line.Quantity,
            "Licenses", Stamp(start), Stamp(start), Stamp(end), "active", AutoRenewEnabled: true, "license", cartLine.BillingCycle,
            cartLine.TermDuration, new RefundableQuantity(line.Quantity, [new RefundableQuantityDetail(line.Quantity, refundableUntil)]),
            refundableUntil, line.PartnerIdOnRecord, orderId, IsTrial: false, "subscription", null,
            new ResourceAttributes("Subscription", Etag: Guid.NewGuid().ToString("N")));
    }

    public LocalCounts Counts()
    {
        ProvisionDue();
        return new LocalCounts(Resellers.Values.Count(r => r.Active), Customers.Count, Agreements.Values.Sum(a => a.Count),
            Carts.Count, Orders.Count, Subscriptions.Count, Audit.Count);
    }
}
