using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Invites;
using Tier2.Functions.Offers;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Orders;

/// <summary>The outcome of reviewing an order: its problems, its reseller and its lines as the Review page shows them.</summary>
/// <param name="VerifiedAddress">The fingerprint of the address Partner Center verified during this review, for the caller that saves the order to record (<see cref="Order.RecordAddressVerified"/>).</param>
public sealed record OrderReviewResult(IReadOnlyList<OrderProblem> Problems, OrderResellerView? Reseller, IReadOnlyList<OrderLineView> Lines, string? VerifiedAddress = null);

/// <summary>
/// The seed's Review step: checks everything that can be checked before submit and reports every problem at once,
/// each naming its field. The same review runs again at submit and when the orchestration starts.
/// </summary>
public sealed partial class OrderReview(OfferSource offers, ResellerStore resellers, OrderStore orders, IOptions<AppOptions> app, PartnerCenterOrderChecks partnerCenter)
{
    public const int MaxLineItems = 20;

    public static string? NormalizeDomainPrefix(string? prefix) => string.IsNullOrWhiteSpace(prefix) ? null : prefix.Trim().ToLowerInvariant();

    /// <summary>Limits that make a request unacceptable as a draft at all (answered 422, nothing stored).</summary>
    public static Dictionary<string, string[]> CheckShape(OrderRequest request, bool isCreate)
    {
        var errors = new Dictionary<string, string[]>();
        if (isCreate && request.Customer is null)
        {
            errors["customer"] = ["The customer's details are required."];
        }

        if (isCreate && request.LineItems is null)
        {
            errors["lineItems"] = ["Choose at least one subscription."];
        }

        if (request.LineItems is { Count: > MaxLineItems })
        {
            errors["lineItems"] = [$"An order has at most {MaxLineItems} lines."];
        }

        if (request.LineItems?.Any(l => l is null) == true)
        {
            errors["lineItems"] = ["A line item cannot be null."];
        }

        void Limit(string field, string? value, int max)
        {
            if (value is not null && value.Length > max)
            {
                errors[field] = [$"At most {max} characters."];
            }
            else if (!TextInput.IsSingleLine(value))
            {
                errors[field] = [TextInput.SingleLineError];
            }
        }

        var c = request.Customer;
        Limit("resellerId", request.ResellerId, 64);
        Limit("customer.companyName", c?.CompanyName, 200);
        Limit("customer.domainPrefix", c?.DomainPrefix, 64);
        Limit("customer.email", c?.Email, 254);
        Limit("customer.culture", c?.Culture, 16);
        Limit("customer.language", c?.Language, 16);
        Limit("customer.address.addressLine1", c?.Address?.AddressLine1, 200);
        Limit("customer.address.addressLine2", c?.Address?.AddressLine2, 200);
        Limit("customer.address.city", c?.Address?.City, 100);
        Limit("customer.address.state", c?.Address?.State, 100);
        Limit("customer.address.postalCode", c?.Address?.PostalCode, 20);
        Limit("customer.address.country", c?.Address?.Country, 2);
        Limit("customer.contact.firstName", c?.Contact?.FirstName, 100);
        Limit("customer.contact.lastName", c?.Contact?.LastName, 100);
        Limit("customer.contact.email", c?.Contact?.Email, 254);
        Limit("customer.contact.phoneNumber", c?.Contact?.PhoneNumber, 40);
        for (var i = 0; i < (request.LineItems?.Count ?? 0); i++)
        {
            var line = request.LineItems![i];
            Limit($"lineItems[{i}].offerId", line?.OfferId, 64);
            Limit($"lineItems[{i}].catalogItemId", line?.CatalogItemId, 64);
            Limit($"lineItems[{i}].termDuration", line?.TermDuration, 8);
            Limit($"lineItems[{i}].billingCycle", line?.BillingCycle, 16);
        }

        return errors;
    }

    /// <summary>An order cannot even be drafted for a reseller that waits for Partner Center: the 409 that says why, or null.</summary>
    public async Task<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult?> RefuseForResellerAsync(string? resellerId, CancellationToken cancellationToken) =>
        CustomerNames.IsId(resellerId) ? ResellerProblems.RefuseOrders(await resellers.GetAsync(resellerId!, cancellationToken)) : null;

    /// <summary>An order's review, as the Review page shows it and as the submit checks it.</summary>
    public async Task<OrderReviewResult> ReviewAsync(Order order, CancellationToken cancellationToken)
    {
        var problems = new List<OrderProblem>();
        void Add(string field, string code, string message) => problems.Add(new OrderProblem(field, code, message));

        // The reseller the customer is created for: partnered and Active.
        OrderResellerView? resellerView = null;
        Reseller? reseller = null;
        if (order.ResellerId is not null)
        {
            reseller = CustomerNames.IsId(order.ResellerId) ? await resellers.GetAsync(order.ResellerId, cancellationToken) : null;
            if (reseller is null)
            {
                Add("resellerId", "reseller-not-found", $"No partnered reseller has id '{order.ResellerId}'.");
            }
            else
            {
                resellerView = new OrderResellerView(reseller.Id, reseller.CompanyName, reseller.MpnId, reseller.Status.ToString());
                if (reseller.Status == ResellerStatus.AwaitingPartnerCenter)
                {
                    Add("resellerId", ResellerProblems.AwaitingPartnerCenterCode, reseller.OrderRefusal!);
                }
                else if (reseller.Status != ResellerStatus.Active)
                {
                    Add("resellerId", "reseller-not-active", $"Reseller '{reseller.CompanyName}' is {reseller.Status}; customers can be added only for an Active reseller.");
                }
                else if (reseller.MpnId == app.Value.ProviderMpnId)
                {
                    Add("resellerId", "provider-mpn", $"Reseller '{reseller.CompanyName}' has the provider's own MPN ID, which cannot be partner of record.");
                }
            }
        }

        // The customer's details.
        var c = order.Customer;
        if (string.IsNullOrWhiteSpace(c.CompanyName))
        {
            Add("customer.companyName", "required", "The company name is required.");
        }
        else if (c.CompanyName.Any(char.IsControl))
        {
            Add("customer.companyName", "malformed", "The company name cannot hold control characters.");
        }

        var prefix = NormalizeDomainPrefix(c.DomainPrefix);
        if (prefix is null)
        {
            Add("customer.domainPrefix", "required", "Choose the domain prefix of the customer's {prefix}.onmicrosoft.com domain.");
        }
        else if (!DomainPrefixPattern().IsMatch(prefix))
        {
            Add("customer.domainPrefix", "domain-prefix-malformed", $"'{c.DomainPrefix}' is not a domain prefix: use 2 to 27 letters and digits, starting with a letter.");
        }
        else if (await orders.DomainHolderAsync(prefix, cancellationToken) is { } holder && holder.OrderId != order.Id)
        {
            Add("customer.domainPrefix", "domain-prefix-taken", $"{CustomerNames.Domain(prefix)} is taken; choose another prefix.");
        }

        if (string.IsNullOrWhiteSpace(c.Email) || !InviteValidation.IsEmail(c.Email.Trim()))
        {
            Add("customer.email", string.IsNullOrWhiteSpace(c.Email) ? "required" : "malformed", "The customer's email address is required and must be an email address.");
        }

        if (c.Culture is not null && !CulturePattern().IsMatch(c.Culture))
        {
            Add("customer.culture", "malformed", $"'{c.Culture}' is not a culture such as en-US.");
        }

        if (c.Language is not null && !LanguagePattern().IsMatch(c.Language))
        {
            Add("customer.language", "malformed", $"'{c.Language}' is not a language such as en.");
        }

        if (string.IsNullOrWhiteSpace(c.Address?.AddressLine1))
        {
            Add("customer.address.addressLine1", "required", "The billing address is required.");
        }

        if (string.IsNullOrWhiteSpace(c.Address?.City))
        {
            Add("customer.address.city", "required", "The city is required.");
        }

        if (c.Address?.Country is not { } country || !CountryPattern().IsMatch(country))
        {
            Add("customer.address.country", c.Address?.Country is null ? "required" : "malformed", "The country is required, as a two-letter ISO 3166 code such as US.");
        }

        if (string.IsNullOrWhiteSpace(c.Contact?.FirstName))
        {
            Add("customer.contact.firstName", "required", "Enter the contact's first name.");
        }

        if (string.IsNullOrWhiteSpace(c.Contact?.LastName))
        {
            Add("customer.contact.lastName", "required", "Enter the contact's last name.");
        }

        if (c.Contact?.Email is { } contactEmail && !InviteValidation.IsEmail(contactEmail.Trim()))
        {
            Add("customer.contact.email", "malformed", $"'{contactEmail}' is not an email address.");
        }

        // The New subscription page: every line an offer the catalog sells, in its limits.
        if (order.LineItems.Count == 0)
        {
            Add("lineItems", "required", "Choose at least one subscription.");
        }

        // Each line on the shelf of the customer's country (the catalog table, or the bundled file): a line whose item
        // Partner Center's catalog no longer lists says so (no-longer-sold).
        var lines = new List<OrderLineView>();
        var partnerIdOnRecord = reseller?.Status == ResellerStatus.Active ? reseller.MpnId : null;
        // With Partner Center, a customer is sold its own country's catalog: a country the provider does not sell in is
        // said, not quietly priced from the default country's shelf (Partner Center would refuse the cart).
        if (partnerCenter.Enabled && c.Address?.Country is { Length: > 0 } customerCountry && offers.Country(customerCountry) is null)
        {
            Add("customer.address.country", OfferMatch.CountryNotSoldCode, $"Tier2 sells in {string.Join(", ", offers.Countries)} (setting Offers__Countries), not in '{customerCountry}': add the country to sell to this customer.");
        }

        var shelf = await offers.ShelfForCustomerAsync(c.Address?.Country, cancellationToken);
        for (var i = 0; i < order.LineItems.Count; i++)
        {
            var line = order.LineItems[i];
            var match = shelf.Find(line.OfferId, line.CatalogItemId);
            var offer = match.Offer;
            if (offer is null)
            {
                Add($"lineItems[{i}].{match.Field}", match.Code!, match.Message!);
            }
            else
            {
                foreach (var (field, message) in OfferCatalog.CheckPurchase(offer, line.Quantity, line.TermDuration, line.BillingCycle))
                {
                    Add($"lineItems[{i}].{field}", field == "quantity" ? "quantity-out-of-range" : $"{field}-not-offered", message);
                }
            }

            lines.Add(new OrderLineView(i, offer?.Id ?? line.OfferId, offer?.Name, line.Quantity, line.TermDuration, line.BillingCycle, partnerIdOnRecord, offer?.CatalogItemId ?? line.CatalogItemId));
        }

        // With Partner Center, what it decides too: offline for a draft or a submitted order, by calls only for a draft
        // (the onboarding's Validate step asks again for a submitted one) and only once everything else is right. The
        // domain on every draft review too: the Review page warns before the submit (the call is cheap and outside the
        // /v1/customers rate limit), and the submit's answer decides.
        string? verifiedAddress = null;
        if (partnerCenter.Enabled && order.Status is OrderStatus.Draft or OrderStatus.Submitted)
        {
            problems.AddRange(partnerCenter.CheckOffline(order, reseller));
            if (problems.Count == 0 && order.Status == OrderStatus.Draft && reseller is not null)
            {
                var online = await partnerCenter.CheckOnlineAsync(order, reseller, checkDomain: true, cancellationToken);
                problems.AddRange(online.Problems);
                verifiedAddress = online.VerifiedAddress;
            }
        }

        return new OrderReviewResult(problems, resellerView, lines, verifiedAddress);
    }

    [GeneratedRegex("^[a-z][a-z0-9]{1,26}$")]
    private static partial Regex DomainPrefixPattern();

    [GeneratedRegex("^[a-z]{2}-[A-Z]{2}$")]
    private static partial Regex CulturePattern();

    [GeneratedRegex("^[a-z]{2}$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();
}
