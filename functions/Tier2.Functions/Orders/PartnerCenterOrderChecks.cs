using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.Offers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using PcAddress = Tier2.Functions.PartnerCenter.Address;

namespace Tier2.Functions.Orders;

/// <summary>
/// What Partner Center decides about an order before anything is created there (Enabled mode only): every customer
/// is a reseller's, the reseller has a PartnerID (a cart without one loses the attribution silently), every offer
/// names its catalog item; then, by calls, the domain is free (<c>HEAD /v1/domains</c>), the country's rules
/// (<c>GET /v1/countryvalidationrules</c>, cached by the client) decide which address fields are required, and the
/// address validates (<c>POST /v1/validations/address</c>; its suggestions go into the problem's message). Each
/// finding is an <see cref="OrderProblem"/> naming its field, as the review's other findings.
/// Which call runs when: the domain in a draft's review (the Review page warns), at submit (a 400 naming
/// <c>customer.domainPrefix</c>) and again in the onboarding's Validate step, right before the customer is created
/// (time passes; another partner can take it); the address once,
/// as early as it is complete, recorded on the order (<see cref="Order.VerifiedAddress"/>) and asked again only if it
/// changed; the country's rules on every check, from the cache.
/// </summary>
public sealed class PartnerCenterOrderChecks(IServiceProvider services, IOptions<PartnerCenterOptions> options, OfferCatalog offers)
{
    /// <summary>The problem code when Partner Center could not be asked (down, throttled, not connected): not the order's fault, worth a retry.</summary>
    public const string UnavailableCode = "partner-center-unavailable";

    public bool Enabled => options.Value.IsEnabled;

    /// <summary>The checks that need no call: a reseller with a PartnerID and a tenant, and a catalog item per offer.</summary>
    public IEnumerable<OrderProblem> CheckOffline(Order order, Reseller? reseller)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.ResellerId is null)
        {
            yield return new OrderProblem("resellerId", "reseller-required", "With Partner Center, every customer is created for an indirect reseller: choose the reseller.");
        }
        else if (reseller is not null && (string.IsNullOrWhiteSpace(reseller.MpnId) || !reseller.MpnId.All(char.IsAsciiDigit)))
        {
            yield return new OrderProblem("resellerId", "reseller-without-partner-id", $"Reseller '{reseller.CompanyName}' has no PartnerID (MPN ID): Partner Center would take the order without the reseller as partner of record.");
        }
        else if (reseller is not null && reseller.TenantId == Guid.Empty)
        {
            yield return new OrderProblem("resellerId", "reseller-without-tenant", $"Reseller '{reseller.CompanyName}' has no Partner Center tenant id; the customer cannot be created for it.");
        }

        for (var i = 0; i < order.LineItems.Count; i++)
        {
            if (order.LineItems[i].CatalogItemId is null && offers.Find(order.LineItems[i].OfferId) is { CatalogItemId: null } offer)
            {
                yield return new OrderProblem($"lineItems[{i}].offerId", "offer-not-in-partner-center", $"Offer '{offer.Id}' names no Partner Center catalog item (catalogItemId in the offers catalog).");
            }
        }
    }

    /// <summary>
    /// The checks that ask Partner Center: the domain when <paramref name="checkDomain"/>, the country's rules, and the
    /// address unless the order records it verified as it stands. A taken domain is no problem for a resubmitted order
    /// when the customer holding it is the reseller's: an earlier run of this order created it (the create step then
    /// adopts it). The answer names the address Partner Center verified by this call, for the caller to record.
    /// </summary>
    public async Task<PartnerCenterCheckResult> CheckOnlineAsync(Order order, Reseller reseller, bool checkDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(reseller);
        var problems = new List<OrderProblem>();
        string? verified = null;
        var client = services.GetRequiredService<PartnerCenterClient>();
        try
        {
            var domain = CustomerNames.Domain(order.DomainPrefix!);
            if (checkDomain && !await client.Domains.IsAvailableAsync(domain, cancellationToken)
                && !(order.Resubmissions > 0 && await FindOwnAsync(client, domain, reseller, cancellationToken) is not null))
            {
                problems.Add(new OrderProblem("customer.domainPrefix", "domain-taken", $"{domain} is already taken in Microsoft's cloud; choose another prefix."));
            }

            var address = order.Customer.Address!;
            var rules = await client.Validations.GetCountryRulesAsync(address.Country!, cancellationToken);
            void Require(bool required, string? value, string field, string what)
            {
                if (required && string.IsNullOrWhiteSpace(value))
                {
                    problems.Add(new OrderProblem($"customer.address.{field}", "required-in-country", $"{what} is required for a customer in {address.Country}."));
                }
            }

            Require(rules.IsStateRequired, address.State, "state", "The state");
            Require(rules.IsPostalCodeRequired, address.PostalCode, "postalCode", "The postal code");
            Require(rules.IsCityRequired, address.City, "city", "The city");
            if (rules.PostalCodeRegex is { Length: > 0 } pattern && address.PostalCode is { Length: > 0 } postal
                && !System.Text.RegularExpressions.Regex.IsMatch(postal, pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                problems.Add(new OrderProblem("customer.address.postalCode", "malformed-in-country", $"'{postal}' is not a postal code in {address.Country}."));
            }

            if (problems.Count == 0 && !order.AddressVerified)
            {
                var validated = await client.Validations.ValidateAddressAsync(
                    new PcAddress(address.Country, address.City, address.State, address.AddressLine1, address.AddressLine2, address.PostalCode), cancellationToken);
                if (!validated.IsValid)
                {
                    problems.Add(new OrderProblem("customer.address", "address-not-verified", AddressMessage(validated)));
                }
                else
                {
                    verified = Order.AddressFingerprint(address);
                }
            }
        }
        catch (PartnerCenterException ex) when (ex.Kind is PartnerCenterErrorKind.Unavailable or PartnerCenterErrorKind.Throttled or PartnerCenterErrorKind.NotConnected or PartnerCenterErrorKind.AuthenticationFailed or PartnerCenterErrorKind.NotConfigured)
        {
            problems.Add(new OrderProblem("partnerCenter", UnavailableCode, $"Partner Center could not check the order now ({ex.Kind}); try again later. MS-CorrelationId {ex.CorrelationId}."));
        }
        catch (PartnerCenterException ex)
        {
            problems.Add(new OrderProblem("partnerCenter", "partner-center-refused", $"Partner Center refused to check the order ({ex.Code}): {ex.Description}"));
        }

        return new PartnerCenterCheckResult(problems, verified);
    }

    /// <summary>The reseller's customer holding <paramref name="domain"/>, if any (the provider's own customers are searched: any other is not Tier2's).</summary>
    public static async Task<PartnerCenter.Customer?> FindOwnAsync(PartnerCenterClient client, string domain, Reseller reseller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reseller);
        var found = await client.Customers.FindByDomainAsync(domain, cancellationToken);
        return found is not null && Guid.TryParse(found.AssociatedPartnerId, out var tenant) && tenant == reseller.TenantId ? found : null;
    }

    private static string AddressMessage(AddressValidationResult result)
    {
        var message = $"Partner Center did not verify the address ({result.Status})" + (result.ValidationMessage is { Length: > 0 } m ? ": " + m : ".");
        var suggestions = (result.SuggestedAddresses ?? []).Select(a => string.Join(", ", new[] { a.AddressLine1, a.AddressLine2, a.City, a.State, a.PostalCode, a.Country }.Where(p => !string.IsNullOrWhiteSpace(p)))).ToList();
        return suggestions.Count == 0 ? message : message + " Suggested: " + string.Join(" | ", suggestions);
    }
}

/// <summary>What <see cref="PartnerCenterOrderChecks.CheckOnlineAsync"/> found, and the fingerprint of the address Partner Center verified by that call (null when it was not asked or did not verify it).</summary>
public sealed record PartnerCenterCheckResult(IReadOnlyList<OrderProblem> Problems, string? VerifiedAddress);
