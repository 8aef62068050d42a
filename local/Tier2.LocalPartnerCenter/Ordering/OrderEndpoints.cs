using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Following an order until its subscriptions have ids [K:get-an-order-by-id, K:get-order-provisioning-status].</summary>
internal static class OrderEndpoints
{
    public static void MapOrderEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/customers/{customerId}/orders", List);
        v1.MapGet("/customers/{customerId}/orders/{orderId}", Get);
        v1.MapGet("/customers/{customerId}/orders/{orderId}/provisioningstatus", ProvisioningStatus).AppPlusUserOnly();
    }

    private static IResult List(string customerId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            if (state.FindCustomer(customerId) is null)
            {
                return PartnerCenterErrors.CustomerNotFound(customerId);
            }

            List<Order> orders = [.. state.Orders.Values.Where(o => string.Equals(o.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)).Select(o => o.Order)];
            return TypedResults.Json(ResourceCollection<Order>.Of(orders), PartnerCenterJson.Default.ResourceCollectionOrder);
        }
    }

    private static IResult Get(string customerId, string orderId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            return Find(customerId, orderId, state) is { } order
                ? TypedResults.Json(order.Order, PartnerCenterJson.Default.Order)
                : PartnerCenterErrors.Fail(404, 20000, "Order ID not found");
        }
    }

    private static IResult ProvisioningStatus(string customerId, string orderId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            state.ProvisionDue();
            if (Find(customerId, orderId, state) is not { } order)
            {
                return PartnerCenterErrors.Fail(404, 20000, "Order ID not found");
            }

            string status = order.Provisioned ? "fulfilled" : "pending";
            List<OrderLineItemProvisioningStatus> items = [.. order.Order.LineItems.Select(l =>
                new OrderLineItemProvisioningStatus(l.LineItemNumber, l.LineItemNumber, status, [new QuantityProvisioning(l.Quantity, status)]))];
            return TypedResults.Json(ResourceCollection<OrderLineItemProvisioningStatus>.Of(items), PartnerCenterJson.Default.ResourceCollectionOrderLineItemProvisioningStatus);
        }
    }

    private static OrderRecord? Find(string customerId, string orderId, PartnerCenterState state) =>
        state.Orders.TryGetValue(orderId, out OrderRecord? order) && string.Equals(order.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)
            ? order
            : null;
}
