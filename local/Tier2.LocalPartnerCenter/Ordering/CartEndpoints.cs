using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>NCE carts and checkout (FACTS 6.2).</summary>
internal static class CartEndpoints
{
    public static void MapCartEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapPost("/customers/{customerId}/carts", Create);
        v1.MapGet("/customers/{customerId}/carts/{cartId}", Get);
        v1.MapPost("/customers/{customerId}/carts/{cartId}/checkout", Checkout.Run);
    }

    /// <summary>201 with the cart: id, timestamps, 7-day expiry, status Active, lines with their orderGroup [K:create-a-cart].</summary>
    private static async Task<IResult> Create(string customerId, HttpRequest request, PartnerCenterState state)
    {
        (Cart? body, IResult? bad) = await RequestBody.ReadAsync(request, PartnerCenterJson.Default.Cart);
        if (bad is not null)
        {
            return bad;
        }

        lock (state.Gate)
        {
            if (state.FindCustomer(customerId) is null)
            {
                return PartnerCenterErrors.CustomerNotFound(customerId);
            }

            if (CartRules.Refusal(body!, state) is { } refused)
            {
                return refused;
            }

            string now = PartnerCenterState.Stamp(state.Now);
            Cart cart = body! with
            {
                Id = Guid.NewGuid().ToString(),
                CreationTimestamp = now,
                LastModifiedTimestamp = now,
                ExpirationTimestamp = PartnerCenterState.Stamp(state.Now.AddDays(7)),
                LastModifiedUser = state.Options.IntegrationUserUpn,
                Status = "Active",
                LineItems = [.. body.LineItems!.Select((l, i) => l with { Id = l.Id ?? i, OrderGroup = "0" })],
                Attributes = new ResourceAttributes("Cart"),
            };
            state.Carts[cart.Id] = new CartRecord(customerId, cart);
            return TypedResults.Json(cart, PartnerCenterJson.Default.Cart, statusCode: 201);
        }
    }

    private static IResult Get(string customerId, string cartId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            return state.Carts.TryGetValue(cartId, out CartRecord? cart) && string.Equals(cart.CustomerId, customerId, StringComparison.OrdinalIgnoreCase)
                ? TypedResults.Json(cart.Cart, PartnerCenterJson.Default.Cart)
                : PartnerCenterErrors.Fail(404, 800008, "Unable to retrieve cart ID");
        }
    }
}
