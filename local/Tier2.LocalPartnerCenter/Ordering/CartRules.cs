using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>What creating a cart refuses (FACTS 6.2, 9). Call under the state's gate.</summary>
internal static class CartRules
{
    public const int SandboxLicencesPerSubscription = 25;
    public const string TransactionReseller = "transaction_reseller";

    public static JsonHttpResult<ApiError>? Refusal(Cart cart, PartnerCenterState state)
    {
        if (cart.LineItems is not { Count: > 0 } lines)
        {
            return PartnerCenterErrors.InvalidInput("lineItems", "must hold at least one line.");
        }

        foreach (CartLineItem line in lines)
        {
            if (LineRefusal(line, cart, state) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static JsonHttpResult<ApiError>? LineRefusal(CartLineItem line, Cart cart, PartnerCenterState state)
    {
        string at = $"lineItems[{line.Id}]";
        if (state.Catalog.Find(line.CatalogItemId) is not { } item)
        {
            return PartnerCenterErrors.Fail(400, 900142, $"The catalog item ID isn't present: {line.CatalogItemId}", $"{at}.catalogItemId");
        }

        if (line.TermDuration is not ("P1M" or "P1Y" or "P3Y") || !item.Sells(line.TermDuration, line.BillingCycle))
        {
            return PartnerCenterErrors.InvalidInput($"{at}.termDuration/billingCycle", $"{line.TermDuration}/{line.BillingCycle} is not a term of {item.CatalogItemId}.");
        }

        if (line.Quantity is not int quantity || quantity < item.Sku.MinimumQuantity || quantity > item.Sku.MaximumQuantity)
        {
            return PartnerCenterErrors.Fail(400, 800017, $"The quantity isn't available for this catalog item: {line.Quantity} is outside {item.Sku.MinimumQuantity}-{item.Sku.MaximumQuantity}.", $"{at}.quantity");
        }

        if (state.Options.SandboxLimits && quantity > SandboxLicencesPerSubscription)
        {
            // Sandbox: 25 licences per subscription [L:test-and-debug].
            return PartnerCenterErrors.Fail(403, 800067, $"The desired seat count exceeded the maximum seat count allowed per subscription ({SandboxLicencesPerSubscription} in the sandbox).", $"{at}.quantity");
        }

        return ParticipantRefusal(line, cart, state, at);
    }

    /// <summary>transaction_reseller takes the reseller's PartnerID, "never the ID of the indirect provider" [K:create-a-cart].</summary>
    private static JsonHttpResult<ApiError>? ParticipantRefusal(CartLineItem line, Cart cart, PartnerCenterState state, string at)
    {
        string? partnerOfRecord = PartnerOfRecord(line);
        if (partnerOfRecord is null)
        {
            return null; // Not required for NCE carts [K:create-a-cart]: the order goes through without attribution.
        }

        if (cart.PartnerOnRecordAttestationAccepted != true)
        {
            return PartnerCenterErrors.InvalidInput("PartnerOnRecordAttestationAccepted", "must be true when a transaction_reseller is named.");
        }

        if (partnerOfRecord == state.Options.ProviderMpnId)
        {
            return PartnerCenterErrors.Fail(404, 2072, "PartnerID of Indirect Provider isn't valid as Partner On Record", $"{at}.participants");
        }

        if (state.ActiveResellerByMpnId(partnerOfRecord) is null)
        {
            return PartnerCenterErrors.Fail(400, 800016, "PartnerID isn't a valid Indirect Reseller", partnerOfRecord);
        }

        return null;
    }

    public static string? PartnerOfRecord(CartLineItem line) =>
        line.Participants?.FirstOrDefault(p => string.Equals(p.Key, TransactionReseller, StringComparison.OrdinalIgnoreCase))?.Value;
}
