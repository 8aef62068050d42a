using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Customers;

public sealed record Address(string? AddressLine1, string? AddressLine2, string? City, string? State, string? PostalCode, string? Country);

public sealed record Contact(string? FirstName, string? LastName, string? Email, string? PhoneNumber);

/// <summary>The seed's New customer form (company, domain prefix, contact and billing details), as an order carries it.</summary>
public sealed record CustomerDetails(
    string? CompanyName,
    string? DomainPrefix,
    string? Email,
    string? Culture,
    string? Language,
    Address? Address,
    Contact? Contact);

/// <summary>A customer account, created by a completed order or imported from Partner Center (a reseller's existing customer).</summary>
public sealed record Customer
{
    public required string Id { get; init; }

    public required string CompanyName { get; init; }

    public required string DomainPrefix { get; init; }

    /// <summary>The customer's initial domain, <c>{domainPrefix}.onmicrosoft.com</c>.</summary>
    public string Domain => CustomerNames.Domain(DomainPrefix);

    public string? Email { get; init; }

    public string? Culture { get; init; }

    public string? Language { get; init; }

    public Address? Address { get; init; }

    public Contact? Contact { get; init; }

    /// <summary>The reseller the customer was created for (Partner Center's <c>associatedPartnerId</c>); null for a direct customer.</summary>
    public string? AssociatedPartnerId { get; init; }

    public string? AdminUserName { get; init; }

    /// <summary>The customer's Partner Center id (its tenant id); null when Partner Center is Disabled (Tier2's rows only).</summary>
    public string? PartnerCenterId { get; init; }

    /// <summary>The order that created the customer; null for a customer imported from Partner Center.</summary>
    public string? OrderId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Imported from Partner Center's customers of a reseller (it existed there before Tier2 knew it), not created by an order.</summary>
    public bool Imported { get; init; }

    /// <summary>The import that created this row (<see cref="Imported"/>); an import re-run after a crash counts its own rows as imported, not as unchanged.</summary>
    [JsonIgnore]
    public string? ImportId { get; init; }

    /// <summary>The import that last linked this existing row to Partner Center (its id, its reseller), for the same reason.</summary>
    [JsonIgnore]
    public string? LinkedByImportId { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>A reseller with delegated administration of a customer.</summary>
public sealed record CustomerReseller(string ResellerId, string CompanyName, string MpnId, DateTimeOffset Since, string AddedBy);

/// <summary>A row of the customers list (kept in the list's index partition, so a page needs no further reads).</summary>
/// <param name="Imported">Imported from Partner Center (a reseller's existing customer), not created by an order.</param>
public sealed record CustomerSummary(string Id, string CompanyName, string DomainPrefix, string? AssociatedPartnerId, DateTimeOffset CreatedAt, bool Imported = false);

/// <summary><c>GET /api/customers/{id}</c>: the account with its resellers and subscriptions (those the caller may see).</summary>
public sealed record CustomerView(
    string Id,
    string CompanyName,
    string DomainPrefix,
    string Domain,
    string? Email,
    string? Culture,
    string? Language,
    Address? Address,
    Contact? Contact,
    string? AssociatedPartnerId,
    string? AdminUserName,
    string? OrderId,
    DateTimeOffset CreatedAt,
    IReadOnlyList<CustomerReseller> Resellers,
    IReadOnlyList<Subscription> Subscriptions,
    string? PartnerCenterId = null,
    bool Imported = false)
{
    public static CustomerView From(Customer c, IReadOnlyList<CustomerReseller> resellers, IReadOnlyList<Subscription> subscriptions) => new(
        c.Id, c.CompanyName, c.DomainPrefix, c.Domain, c.Email, c.Culture, c.Language, c.Address, c.Contact, c.AssociatedPartnerId, c.AdminUserName, c.OrderId, c.CreatedAt, resellers, subscriptions, c.PartnerCenterId, c.Imported);

    /// <summary>
    /// The customer as reseller admin <paramref name="resellerId"/> sees it: nothing of another reseller's (the associated
    /// partner and the order that created the customer when they are another's, other resellers' relationships, and in
    /// the subscriptions it may see, another's partner of record, support contact and order).
    /// </summary>
    public static CustomerView SeenBy(string resellerId, Customer c, IReadOnlyList<CustomerReseller> resellers, IReadOnlyList<Subscription> subscriptions)
    {
        var own = string.Equals(c.AssociatedPartnerId, resellerId, StringComparison.Ordinal);
        return From(
            c with { AssociatedPartnerId = own ? c.AssociatedPartnerId : null },
            resellers.Where(r => r.ResellerId == resellerId).ToList(),
            subscriptions.Where(s => s.IsVisibleTo(resellerId)).Select(s => s.SeenBy(resellerId, c.AssociatedPartnerId)).ToList()) with { OrderId = own ? c.OrderId : null };
    }
}

/// <summary><c>POST /api/customers/{id}/resellers</c>.</summary>
public sealed record AddCustomerResellerRequest([property: Required] string? ResellerId);

public static partial class CustomerNames
{
    public static string Domain(string domainPrefix) => domainPrefix + ".onmicrosoft.com";

    public static string AdminUserName(string domainPrefix) => "admin@" + Domain(domainPrefix);

    /// <summary>Ids this API generates and accepts in routes: letters, digits and dashes (never a table-key or filter metacharacter).</summary>
    public static bool IsId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A name as a table key: lowercase, with the characters keys may not hold replaced; search terms get the same treatment.</summary>
    public static string KeyText(string text)
    {
        var chars = text.Trim().ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '/' or '\\' or '#' or '?' or '|' || char.IsControl(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex IdPattern();
}
