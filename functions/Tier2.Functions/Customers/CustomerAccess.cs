using System.Security.Claims;
using Tier2.Functions.Auth;

namespace Tier2.Functions.Customers;

/// <summary>
/// Who may see a customer: a provider admin every customer; a reseller admin only the customers delegated to its
/// reseller. Whatever a caller may not see is answered as if it did not exist (404).
/// </summary>
public static class CustomerAccess
{
    public static async Task<Customer?> GetVisibleAsync(this CustomerStore store, string customerId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var customer = await store.GetAsync(customerId, cancellationToken);
        if (customer is null || user.IsProviderAdmin())
        {
            return customer;
        }

        return user.ResellerId() is { } resellerId && await store.HasResellerAsync(customerId, resellerId, cancellationToken) ? customer : null;
    }

    /// <summary>
    /// Whose idempotency keys a request's key belongs to: a reseller admin's are its reseller's, anyone else's its
    /// own (the actor). Keys are hashed with this scope, so a key replays only what the same caller created.
    /// </summary>
    public static string IdempotencyScope(this ClaimsPrincipal user) =>
        user.ResellerId() is { } resellerId ? "reseller:" + resellerId : "actor:" + user.Actor();

    /// <summary>The associated partner id a caller may see: a reseller admin sees only its own reseller's id.</summary>
    public static string? VisiblePartnerId(this ClaimsPrincipal user, string? associatedPartnerId) =>
        user.IsProviderAdmin() || (user.ResellerId() is { } own && string.Equals(own, associatedPartnerId, StringComparison.Ordinal)) ? associatedPartnerId : null;
}
