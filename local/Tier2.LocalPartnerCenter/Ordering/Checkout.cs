using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary><c>POST /v1/customers/{cid}/carts/{cartId}/checkout</c>: 201 CartCheckoutResult{orders, orderErrors}, idempotent
/// per cart (a repeat re-returns the first result [K:checkout-a-cart]); while a checkout runs, another is 409/800064.</summary>
internal static class Checkout
{
    public const int SandboxSubscriptionsPerCustomer = 5;

    public static async Task<IResult> Run(string customerId, string cartId, HttpContext context, PartnerCenterState state, FaultBook faults)
    {
        CartRecord? cart;
        lock (state.Gate)
        {
            if (!state.Carts.TryGetValue(cartId, out cart) || !string.Equals(cart.CustomerId, customerId, StringComparison.OrdinalIgnoreCase))
            {
                return PartnerCenterErrors.Fail(404, 800008, "Unable to retrieve cart ID");
            }

            if (cart.Result is { } first)
            {
                return TypedResults.Json(first, PartnerCenterJson.Default.CartCheckoutResult, statusCode: 201);
            }

            if (cart.Processing)
            {
                return PartnerCenterErrors.Fail(409, 800064, $"Cart {cartId} is being processed by another request");
            }

            cart.Processing = true;
        }

        try
        {
            if (state.Options.CheckoutProcessingTime > TimeSpan.Zero)
            {
                await Task.Delay(state.Options.CheckoutProcessingTime, context.RequestAborted);
            }

            lock (state.Gate)
            {
                return Complete(cart, context, state, faults);
            }
        }
        finally
        {
            lock (state.Gate)
            {
                cart.Processing = false;
            }
        }
    }

    private static IResult Complete(CartRecord cart, HttpContext context, PartnerCenterState state, FaultBook faults)
    {
        if (Refusal(cart, state) is { } refused)
        {
            return refused;
        }

        string method = context.Request.Method;
        string path = context.Request.Path;
        if (faults.Take(method, path, FaultKind.OrderErrors) is { } orderErrors)
        {
            cart.Result = new CartCheckoutResult([], [new OrderError("0", orderErrors.Code, orderErrors.Description ?? "Order failed (armed fault).")],
                new ResourceAttributes("CartCheckoutResult"));
        }
        else
        {
            TimeSpan delay = faults.Take(method, path, FaultKind.SlowProvisioning) is { ProvisioningDelaySeconds: double slow }
                ? TimeSpan.FromSeconds(slow)
                : state.Options.ProvisioningDelay;
            Order order = NewOrder(cart, state);
            state.Orders[order.Id] = new OrderRecord(cart.CustomerId, order, state.Now.Add(delay), cart.Cart.LineItems!);
            state.AddAudit("create_order", "order", cart.CustomerId, state.FindCustomer(cart.CustomerId)?.CompanyProfile?.CompanyName, order, []);
            state.ProvisionDue();
            cart.Result = new CartCheckoutResult([state.Orders[order.Id].Order], [], new ResourceAttributes("CartCheckoutResult"));
        }

        return TypedResults.Json(cart.Result, PartnerCenterJson.Default.CartCheckoutResult, statusCode: 201);
    }

    /// <summary>What stops a purchase at checkout: no MCA attested (403/13605), the partner of record's partnership gone
    /// (403/800039) or MPA unsigned (403/900123), the sandbox's 5 subscriptions per customer (403/800066).</summary>
    private static JsonHttpResult<ApiError>? Refusal(CartRecord cart, PartnerCenterState state)
    {
        if (!state.Agreements.TryGetValue(cart.CustomerId, out List<Agreement>? agreements) || agreements.Count == 0)
        {
            return PartnerCenterErrors.Fail(403, 13605, "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase");
        }

        foreach (string mpnId in cart.Cart.LineItems!.Select(CartRules.PartnerOfRecord).OfType<string>().Distinct())
        {
            ResellerRecord? reseller = state.Resellers.Values.FirstOrDefault(r => r.MpnId == mpnId);
            if (reseller is not { Active: true })
            {
                return PartnerCenterErrors.Fail(403, 800039, "Reseller program status isn't active", mpnId);
            }

            if (!reseller.MpaSigned)
            {
                return PartnerCenterErrors.Fail(403, 900123, "Microsoft Partner Agreement hasn't been accepted by the indirect reseller", mpnId);
            }
        }

        int existing = state.Orders.Values.Where(o => string.Equals(o.CustomerId, cart.CustomerId, StringComparison.OrdinalIgnoreCase)).Sum(o => o.Lines.Count);
        if (state.Options.SandboxLimits && existing + cart.Cart.LineItems!.Count > SandboxSubscriptionsPerCustomer)
        {
            return PartnerCenterErrors.Fail(403, 800066, $"The desired number of subscriptions exceeded the maximum number of subscriptions allowed per customer ({SandboxSubscriptionsPerCustomer} in the sandbox).");
        }

        return null;
    }

    private static Order NewOrder(CartRecord cart, PartnerCenterState state)
    {
        string id = Guid.NewGuid().ToString();
        List<OrderLineItem> lines = [.. cart.Cart.LineItems!.Select((line, i) =>
        {
            CatalogItem item = state.Catalog.Find(line.CatalogItemId)!;
            return new OrderLineItem(i, item.CatalogItemId, null, line.TermDuration!, "New", item.Sku.Title, line.Quantity!.Value, CartRules.PartnerOfRecord(line));
        })];
        return new Order(id, id[..12], cart.CustomerId, cart.Cart.LineItems![0].BillingCycle!, "USD", lines, PartnerCenterState.Stamp(state.Now),
            "pending", "UserPurchase", new ResourceAttributes("Order"));
    }
}
