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
}
