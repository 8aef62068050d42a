using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Azure.Functions.Worker;
using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using PcAddress = Tier2.Functions.PartnerCenter.Address;

namespace Tier2.Functions.Orders;

/// <summary>
/// The Partner Center steps of <see cref="CustomerOnboardingOrchestration"/> (Enabled mode). Each reads the order
/// row, skips what it records as done, makes its calls, and records the ids before it returns, so it is safe to run
/// again after a crash. Partner Center's answers become: 5xx, timeouts and 429 (after the client's own retries) a
/// failure the step's TaskOptions retry; a 4xx business error an <see cref="OrderRefusedException"/> carrying Partner
/// Center's code and description (not retried). Nothing secret is returned or logged: the temporary password goes from
/// the create answer to the order row, encrypted, and nowhere else.
/// </summary>
public sealed partial class PartnerCenterOnboardingActivities(
    OrderStore orders,
    CustomerStore customers,
    SubscriptionStore subscriptions,
    ResellerStore resellers,
    OfferSource offers,
    PartnerCenterClient partnerCenter,
    OnboardingActivities onboarding,
    IDataProtectionProvider protection,
    TimeProvider time,
    ILogger<PartnerCenterOnboardingActivities> logger)
{
    public static readonly Activity<string, OnboardingStepResult> CreateCustomer = new(nameof(OnboardingCreatePartnerCenterCustomer));
    public static readonly Activity<string, OnboardingStepResult> AttestAgreement = new(nameof(OnboardingAttestAgreement));
    public static readonly Activity<string, OnboardingStepResult> PlaceOrder = new(nameof(OnboardingPlacePartnerCenterOrder));
    public static readonly Activity<string, bool> CheckProvisioning = new(nameof(OnboardingCheckProvisioning));
    public static readonly Activity<string, OnboardingStepResult> Complete = new(nameof(OnboardingCompleteInPartnerCenter));
    public static readonly Activity<OnboardingFinish, OnboardingStepResult> End = new(nameof(OnboardingEndInPartnerCenter));
    private const string Actor = "orchestration:" + CustomerOnboardingOrchestration.Name;

    /// <summary>400/600061: the same contact already attested the agreement for this customer.</summary>
    private const string AlreadyAttestedCode = "600061";

    /// <summary>
    /// The create call's MS-RequestId: derived from the order and its run (instance id), so every repeat of the create
    /// within a run, after a crash or a lost answer, is the same request to Partner Center (which answers it with the
    /// first 201, password included), and a resubmitted run is a new request (an answered request id is not reused).
    /// </summary>
    public static string CreateRequestId(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"tier2/create-customer/{order.Id}/{order.InstanceId}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    /// <summary>
    /// Creates the customer for the reseller (<c>AssociatedPartnerId</c> = its tenant id) under the order's request
    /// id. When Partner Center refuses, the customer may be there already (an earlier run created it and its answer
    /// was lost): found by its domain among the reseller's customers, it is adopted, without its password.
    /// </summary>
    [Function(nameof(OnboardingCreatePartnerCenterCustomer))]
    public async Task<OnboardingStepResult> OnboardingCreatePartnerCenterCustomer([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        var reseller = await ActiveResellerAsync(order, cancellationToken);
        var adminUserName = CustomerNames.AdminUserName(order.DomainPrefix!);
        if (order.PartnerCenterCustomerId is null)
        {
            var domain = CustomerNames.Domain(order.DomainPrefix!);
            string id;
            string? encryptedPassword = null;
            try
            {
                var created = await partnerCenter.Customers.CreateAsync(NewCustomerFor(order, domain, reseller), CreateRequestId(order), cancellationToken);
                id = created.Id;
                if (created.UserCredentials?.Password is { Length: > 0 } password)
                {
                    encryptedPassword = OnboardingActivities.PasswordProtector(protection, orderId).Protect(password);
                }
            }
            catch (PartnerCenterException refused) when (refused.Kind is PartnerCenterErrorKind.Refused or PartnerCenterErrorKind.DomainTaken)
            {
                id = (await FindOwnAsync(domain, reseller, cancellationToken) ?? throw Translate(refused, "Creating the customer")).Id;
                LogAdopted(orderId, id);
            }
            catch (PartnerCenterException ex)
            {
                throw Translate(ex, "Creating the customer");
            }

            var recorded = await orders.UpdateAsync(orderId, null, Actor, o => o.RecordPartnerCenterCustomer(id, adminUserName, encryptedPassword) is { } next
                ? new OrderChange(next, "partner-center-customer-created")
                : null, cancellationToken);
            order = recorded.Value ?? throw new InvalidOperationException($"Order {orderId} could not record its Partner Center customer ({recorded.Outcome}).");
            if (order.PartnerCenterCustomerId != id)
            {
                throw new InvalidOperationException($"Order {orderId} records Partner Center customer {order.PartnerCenterCustomerId}, not {id}.");
            }
        }

        // Tier2's customer row, linked (safe to repeat: an existing row of the same order counts).
        await customers.CreateAsync(
            order.NewCustomer(reseller.Id, time.GetUtcNow()) with { PartnerCenterId = order.PartnerCenterCustomerId },
            reseller,
            Actor,
            cancellationToken);
        await customers.AddAdminUserAsync(order.CustomerId!, adminUserName, orderId, Actor, cancellationToken);
        LogStep(OnboardingStep.CreateCustomer, orderId, order.PartnerCenterCustomerId!);
        return new OnboardingStepResult(OnboardingStep.CreateCustomer, order.PartnerCenterCustomerId);
    }

    /// <summary>The provider attests the Microsoft Customer Agreement for the customer (a reseller cannot); the contact is the order's. An "already attested" answer counts as done.</summary>
    [Function(nameof(OnboardingAttestAgreement))]
    public async Task<OnboardingStepResult> OnboardingAttestAgreement([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        if (order.AgreementAttestedAt is null)
        {
            var contact = order.Customer.Contact!;
            try
            {
                var template = await partnerCenter.Agreements.GetMetadataAsync(Agreement.MicrosoftCustomerAgreement, cancellationToken)
                    ?? throw new OrderRefusedException("Partner Center has no Microsoft Customer Agreement template to attest.");
                await partnerCenter.Agreements.CreateAsync(
                    order.PartnerCenterCustomerId!,
                    new Agreement(new AgreementContact(contact.FirstName!.Trim(), contact.LastName!.Trim(), (contact.Email ?? order.Customer.Email)!.Trim(), contact.PhoneNumber), template.TemplateId!, time.GetUtcNow()),
                    cancellationToken);
            }
            catch (PartnerCenterException attested) when (attested.Code == AlreadyAttestedCode)
            {
                // 600061: this contact already attested for this customer (an earlier attempt's call went through).
            }
            catch (PartnerCenterException ex)
            {
                throw Translate(ex, "Attesting the Microsoft Customer Agreement");
            }

            await orders.UpdateAsync(orderId, null, Actor, o => o.RecordAgreement(time.GetUtcNow()) is { } next ? new OrderChange(next, "agreement-attested") : null, cancellationToken);
        }

        LogStep(OnboardingStep.AttestAgreement, orderId, order.PartnerCenterCustomerId!);
        return new OnboardingStepResult(OnboardingStep.AttestAgreement, null);
    }

    /// <summary>
    /// One cart per order, its id stored before the checkout (a retry checks the same cart out: checkout is idempotent
    /// per cart), each line naming the reseller's PartnerID as <c>transaction_reseller</c>. <c>orderErrors</c> refuse
    /// the order with their descriptions (and spend the cart, so a resubmit builds a new one). A checkout refused for
    /// a stale availability (404/400019) re-reads the lines' availabilities once and checks out a new cart with the
    /// fresh catalog items; refused again, the order fails saying so.
    /// </summary>
    [Function(nameof(OnboardingPlacePartnerCenterOrder))]
    public async Task<OnboardingStepResult> OnboardingPlacePartnerCenterOrder([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await LiveOrderAsync(orderId, cancellationToken);
        if (order.PlacedInPartnerCenter)
        {
            return new OnboardingStepResult(OnboardingStep.PlaceOrder, null);
        }

        var reseller = await ActiveResellerAsync(order, cancellationToken);
        var customerId = order.PartnerCenterCustomerId!;
        try
        {
            CartCheckoutResult result;
            try
            {
                order = await CartOfAsync(order, reseller, await CatalogItemsAsync(order, cancellationToken), cancellationToken);
                result = await CheckoutAsync(customerId, order.PartnerCenterCartId!, cancellationToken);
            }
            catch (PartnerCenterException stale) when (stale.Kind == PartnerCenterErrorKind.StaleCatalogItem)
            {
                var fresh = await FreshCatalogItemsAsync(order, stale, cancellationToken);
                LogStaleRetry(orderId, string.Join(',', fresh));
                order = await orders.UpdateAsync(orderId, null, Actor, o => o.DropSpentCart() is { } next ? new OrderChange(next, "partner-center-availability-stale") : null, cancellationToken) is { Value: { } dropped } ? dropped : order;
                order = await CartOfAsync(order, reseller, fresh, cancellationToken);
                result = await CheckoutAsync(customerId, order.PartnerCenterCartId!, cancellationToken);
            }

            if (result.OrderErrors is { Count: > 0 } errors)
            {
                await orders.UpdateAsync(orderId, null, Actor, o => o.DropSpentCart() is { } next ? new OrderChange(next, "partner-center-order-refused") : null, cancellationToken);
                throw new OrderRefusedException("Partner Center refused the order: " + string.Join("; ", errors.Select(e => $"{e.Code}: {e.Description}")));
            }

            var ids = (result.Orders ?? []).Select(o => o.Id).OfType<string>().ToList();
            if (ids.Count == 0)
            {
                throw new InvalidOperationException($"Checkout of order {orderId}'s cart answered neither orders nor orderErrors.");
            }

            await orders.UpdateAsync(orderId, null, Actor, o => o.RecordPartnerCenterOrders(ids) is { } next ? new OrderChange(next, "partner-center-order-placed") : null, cancellationToken);
            LogStep(OnboardingStep.PlaceOrder, orderId, string.Join(',', ids));
            return new OnboardingStepResult(OnboardingStep.PlaceOrder, string.Join(',', ids));
        }
        catch (PartnerCenterException ex) when (ex.Kind == PartnerCenterErrorKind.StaleCatalogItem)
        {
            throw new OrderRefusedException($"Placing the order: Partner Center refused the catalog items again after they were read afresh ({ex.Code}: {ex.Description}); the offer may no longer be sold. MS-CorrelationId {ex.CorrelationId}.");
        }
        catch (PartnerCenterException ex)
        {
            throw Translate(ex, "Placing the order");
        }
    }

    /// <summary>The order's cart: the one it recorded, or a new one of <paramref name="catalogItemIds"/> (a line each), recorded before any checkout.</summary>
    private async Task<Order> CartOfAsync(Order order, Reseller reseller, IReadOnlyList<string> catalogItemIds, CancellationToken cancellationToken)
    {
        if (order.PartnerCenterCartId is not null)
        {
            return order;
        }

        var cart = await partnerCenter.Carts.CreateAsync(order.PartnerCenterCustomerId!, CartFor(order, reseller, catalogItemIds), cancellationToken);
        var stored = await orders.UpdateAsync(order.Id, null, Actor, o => o.RecordCart(cart.Id!) is { } next ? new OrderChange(next, "partner-center-cart-created") : null, cancellationToken);
        return stored.Value ?? throw new InvalidOperationException($"Order {order.Id} could not record its cart ({stored.Outcome}).");
    }

    /// <summary>The catalog item each line orders, from the shelf of the customer's country; a line it no longer sells refuses the order.</summary>
    private async Task<IReadOnlyList<string>> CatalogItemsAsync(Order order, CancellationToken cancellationToken)
    {
        var shelf = await offers.ShelfForCustomerAsync(order.Customer.Address?.Country, cancellationToken);
        return [.. order.LineItems.Select(line => shelf.Find(line.OfferId, line.CatalogItemId) switch
        {
            { Offer.CatalogItemId: { } item } => item,
            { Offer: { } offer } => throw new OrderRefusedException($"Offer '{offer.Id}' names no Partner Center catalog item."),
            var missing => throw new OrderRefusedException(missing.Message!),
        })];
    }

    /// <summary>
    /// Reads the availabilities of each line's product and SKU again (once, FACTS 6.1 "re-GET the availability") and
    /// picks the one that sells the line's term and billing cycle; none left refuses the order with the reason.
    /// </summary>
    private async Task<IReadOnlyList<string>> FreshCatalogItemsAsync(Order order, PartnerCenterException stale, CancellationToken cancellationToken)
    {
        var country = offers.Country(order.Customer.Address?.Country) ?? offers.Countries[0];
        var items = await CatalogItemsAsync(order, cancellationToken);
        var fresh = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            var line = order.LineItems[i];
            var (productId, skuId) = items[i].Split(':') is [var p, var s, _] ? (p, s) : throw new OrderRefusedException($"Catalog item '{items[i]}' is not productId:skuId:availabilityId.");
            var read = new List<Availability>();
            await foreach (var availability in partnerCenter.Products.ListAvailabilitiesAsync(productId, skuId, country, cancellationToken))
            {
                read.Add(availability);
            }

            fresh.Add(Offers.Offer.FreshCatalogItemId(read, line.TermDuration, line.BillingCycle) ?? throw new OrderRefusedException(
                $"Placing the order: Partner Center refused catalog item {items[i]} as stale ({stale.Code}: {stale.Description}), and {productId}:{skuId} is no longer sold in {country} for a {line.TermDuration} term billed {line.BillingCycle}."));
        }

        return fresh;
    }

    /// <summary>
    /// True once every line of the order's Partner Center orders has a subscription id; then Tier2's subscription rows
    /// are written with those ids and the partner of record. Not stopped by a cancel: the purchase stands.
    /// </summary>
    [Function(nameof(OnboardingCheckProvisioning))]
    public async Task<bool> OnboardingCheckProvisioning([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(orderId, cancellationToken) ?? throw new OrderRefusedException($"Order {orderId} does not exist.");
        var placed = new List<(string OrderId, OrderLineItem Line)>();
        try
        {
            foreach (var id in order.PartnerCenterOrderIds ?? [])
            {
                var pcOrder = await partnerCenter.Orders.GetAsync(order.PartnerCenterCustomerId!, id, cancellationToken);
                if (string.Equals(pcOrder.Status, "cancelled", StringComparison.OrdinalIgnoreCase))
                {
                    throw new OrderRefusedException($"Partner Center cancelled order {id}.");
                }

                placed.AddRange((pcOrder.LineItems ?? []).Select(l => (id, l)));
            }
        }
        catch (PartnerCenterException ex)
        {
            throw Translate(ex, "Reading the order's provisioning");
        }

        if (placed.Count == 0 || placed.Any(p => string.IsNullOrEmpty(p.Line.SubscriptionId)))
        {
            return false;
        }

        var reseller = order.ResellerId is null ? null : await resellers.GetAsync(order.ResellerId, cancellationToken);
        var shelf = await offers.ShelfForCustomerAsync(order.Customer.Address?.Country, cancellationToken);
        for (var i = 0; i < order.LineItems.Count; i++)
        {
            var line = order.LineItems[i];
            // The purchase stands even when a sync since the checkout no longer lists the item: the row names what was bought.
            var offer = shelf.Find(line.OfferId, line.CatalogItemId).Offer ?? Offers.Offer.Bought(
                line.OfferId, line.CatalogItemId ?? shelf.Bundled.FirstOrDefault(o => string.Equals(o.Id, line.OfferId, StringComparison.OrdinalIgnoreCase))?.CatalogItemId, line.TermDuration, line.BillingCycle);

            // By product and SKU: a checkout retried after a stale availability ordered a fresh availability id.
            var productSku = offer.ProductSku is { } ps ? $"{ps.ProductId}:{ps.SkuId}:" : offer.CatalogItemId ?? string.Empty;
            var match = placed.FirstOrDefault(p => productSku.Length > 0 && p.Line.OfferId?.StartsWith(productSku, StringComparison.OrdinalIgnoreCase) == true && p.Line.Quantity == line.Quantity);
            if (match.Line is null)
            {
                throw new OrderRefusedException($"Partner Center's order has no line for {offer.Name} x {line.Quantity}.");
            }

            placed.Remove(match);
            await subscriptions.CreateAsync(
                Subscriptions.Subscription.Purchase(
                    SubscriptionStore.IdForOrderLine(order.Id, i), order.CustomerId!, offer, line.Quantity, line.TermDuration!, line.BillingCycle!, reseller, order.Id, time.GetUtcNow()) with
                {
                    // What Partner Center recorded as partner of record is what the row says.
                    PartnerIdOnRecord = match.Line.PartnerIdOnRecord ?? reseller?.MpnId,
                    PartnerCenterSubscriptionId = match.Line.SubscriptionId,
                    PartnerCenterOrderId = match.OrderId,
                },
                idempotencyKey: null,
                Actor,
                cancellationToken);
        }

        LogStep(OnboardingStep.AwaitProvisioning, orderId, order.PartnerCenterCustomerId!);
        return true;
    }

    [Function(nameof(OnboardingCompleteInPartnerCenter))]
    public async Task<OnboardingStepResult> OnboardingCompleteInPartnerCenter([ActivityTrigger] string orderId, CancellationToken cancellationToken)
    {
        var result = await orders.UpdateAsync(orderId, null, Actor, o => o.CompletePlaced(time.GetUtcNow()) is { } next
            ? new OrderChange(next, "completed", [OrderStore.RecordDomainCustomer(o.DomainPrefix!, o.Id, o.CustomerId!)])
            : null, cancellationToken);
        return result.Value is { Status: OrderStatus.Completed }
            ? new OnboardingStepResult(OnboardingStep.Complete, null)
            : throw new InvalidOperationException($"Order {orderId} could not be completed ({result.Outcome}, {result.Value?.Status}).");
    }

    /// <summary>
    /// Ends the run Failed or Cancelled. Before Partner Center had a customer, as the rows-only onboarding ends (the
    /// domain claim released). After, the customer stays (a tenant cannot be deleted) and so does everything the order
    /// recorded, the domain claim and Tier2's customer row included; the reason says so, and a resubmit resumes.
    /// </summary>
    [Function(nameof(OnboardingEndInPartnerCenter))]
    public async Task<OnboardingStepResult> OnboardingEndInPartnerCenter([ActivityTrigger] OnboardingFinish finish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finish);
        var order = await orders.GetAsync(finish.OrderId, cancellationToken) ?? throw new InvalidOperationException($"Order {finish.OrderId} does not exist.");
        if (order.PartnerCenterCustomerId is null)
        {
            return await onboarding.OnboardingFinishOrder(finish, cancellationToken);
        }

        var reason = finish.Reason + $" The customer stays in Partner Center (id {order.PartnerCenterCustomerId}) and in Tier2: a customer tenant cannot be deleted."
            + (order.PlacedInPartnerCenter ? " Its Partner Center order was placed and stands." : string.Empty)
            + " Resubmit the order to resume from the first step not done.";
        await orders.UpdateAsync(order.Id, null, Actor, o => o.EndKeepingCustomer(finish.Status, reason, time.GetUtcNow()) is { } next
            ? new OrderChange(next, finish.Status == OrderStatus.Cancelled ? "cancelled" : "failed")
            : null, cancellationToken);
        LogEnded(finish.OrderId, finish.Status, order.PartnerCenterCustomerId);
        return new OnboardingStepResult(OnboardingStep.Complete, reason);
    }

    /// <summary>Checks the cart out; a checkout already running elsewhere (409/800064) is retried, an already submitted cart (400/800065) reads the customer's orders.</summary>
    private async Task<CartCheckoutResult> CheckoutAsync(string customerId, string cartId, CancellationToken cancellationToken)
    {
        try
        {
            return await partnerCenter.Carts.CheckoutAsync(customerId, cartId, cancellationToken);
        }
        catch (PartnerCenterException busy) when (busy.Code == "800064")
        {
            throw new InvalidOperationException($"Cart {cartId} is being checked out by another request; retrying.", busy);
        }
        catch (PartnerCenterException done) when (done.Code == "800065")
        {
            // The customer is this order's alone, so its orders are this cart's.
            var placed = new List<PartnerCenter.Order>();
            await foreach (var o in partnerCenter.Orders.ListAsync(customerId, cancellationToken))
            {
                placed.Add(o);
            }

            return new CartCheckoutResult(placed, []);
        }
    }

    private async Task<PartnerCenter.Customer?> FindOwnAsync(string domain, Reseller reseller, CancellationToken cancellationToken)
    {
        try
        {
            return await PartnerCenterOrderChecks.FindOwnAsync(partnerCenter, domain, reseller, cancellationToken);
        }
        catch (PartnerCenterException ex)
        {
            throw Translate(ex, "Looking the customer up by its domain");
        }
    }

    private static Cart CartFor(Order order, Reseller reseller, IReadOnlyList<string> catalogItemIds) => new(
        null,
        [.. order.LineItems.Select((line, i) => new CartLineItem
        {
            Id = i,
            CatalogItemId = catalogItemIds[i],
            Quantity = line.Quantity,
            TermDuration = line.TermDuration,
            BillingCycle = line.BillingCycle,
            Participants = [new CartParticipant(CartParticipant.TransactionReseller, reseller.MpnId)],
        })],
        PartnerOnRecordAttestationAccepted: true);

    private static NewCustomer NewCustomerFor(Order order, string domain, Reseller reseller)
    {
        var c = order.Customer;
        var a = c.Address!;
        var companyName = c.CompanyName!.Trim();
        return new NewCustomer(
            new CompanyProfile(null, domain, companyName),
            new BillingProfile(null, c.Email?.Trim(), c.Culture ?? "en-US", c.Language ?? "en", companyName,
                new PcAddress(a.Country, a.City, a.State, a.AddressLine1, a.AddressLine2, a.PostalCode, c.Contact?.FirstName?.Trim(), c.Contact?.LastName?.Trim(), c.Contact?.PhoneNumber)),
            reseller.TenantId.ToString());
    }

    /// <summary>
    /// What a failed Partner Center call means to the step: an outage or throttle stays a failure the step retries; a
    /// refusal (4xx), or a missing connection an administrator must restore, ends the step for good with Partner
    /// Center's code and description and the MS-CorrelationId to quote to Microsoft.
    /// </summary>
    private static Exception Translate(PartnerCenterException ex, string what) => ex.Kind switch
    {
        PartnerCenterErrorKind.Unavailable or PartnerCenterErrorKind.Throttled => ex,
        PartnerCenterErrorKind.PartnerOfRecordRefused => new OrderRefusedException(
            $"{what}: Partner Center refused the reseller as partner of record ({ex.Code}: {ex.Description}); check the reseller's PartnerID. MS-CorrelationId {ex.CorrelationId}."),
        PartnerCenterErrorKind.NotConnected or PartnerCenterErrorKind.AuthenticationFailed or PartnerCenterErrorKind.NotConfigured => new OrderRefusedException(
            $"{what}: {ex.Message} Connect a Partner Center account (GET /api/partner-center/connect), then resubmit the order."),
        _ => new OrderRefusedException($"{what}: Partner Center refused ({(int?)ex.Status}, code {ex.Code}): {ex.Description}. MS-CorrelationId {ex.CorrelationId}."),
    };

    private async Task<Order> LiveOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(orderId, cancellationToken) ?? throw new OrderRefusedException($"Order {orderId} does not exist.");
        if (order.CancelRequested)
        {
            throw new OrderCancelledException($"Order {orderId} was cancelled.");
        }

        return order.Status == OrderStatus.Provisioning && order.CustomerId is not null && order.DomainPrefix is not null
            ? order
            : throw new OrderRefusedException($"Order {orderId} is {order.Status}; only a provisioning order takes this step.");
    }

    private async Task<Reseller> ActiveResellerAsync(Order order, CancellationToken cancellationToken) =>
        order.ResellerId is not null && await resellers.GetAsync(order.ResellerId, cancellationToken) is { Status: ResellerStatus.Active } reseller
            ? reseller
            : throw new OrderRefusedException($"Reseller {order.ResellerId} is no longer an Active partner.");

    [LoggerMessage(EventId = 5120, Level = LogLevel.Information, Message = "Onboarding step {Step} done in Partner Center for order {OrderId} ({PartnerCenterIds})")]
    private partial void LogStep(OnboardingStep step, string orderId, string partnerCenterIds);

    [LoggerMessage(EventId = 5121, Level = LogLevel.Warning, Message = "Order {OrderId}: Partner Center refused the create, and the reseller's customer with the order's domain was found ({PartnerCenterCustomerId}); adopted without its temporary password")]
    private partial void LogAdopted(string orderId, string partnerCenterCustomerId);

    [LoggerMessage(EventId = 5123, Level = LogLevel.Warning, Message = "Order {OrderId}: Partner Center refused a stale availability at checkout; checking out a new cart of the availabilities read afresh ({CatalogItemIds})")]
    private partial void LogStaleRetry(string orderId, string catalogItemIds);

    [LoggerMessage(EventId = 5122, Level = LogLevel.Warning, Message = "Order {OrderId} ended {Status}; its Partner Center customer {PartnerCenterCustomerId} is kept")]
    private partial void LogEnded(string orderId, OrderStatus status, string partnerCenterCustomerId);
}
