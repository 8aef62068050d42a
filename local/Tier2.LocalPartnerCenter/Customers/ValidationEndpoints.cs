using System.Text.Json;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>What onboarding checks before creating a customer: domain availability, address validation, country rules.</summary>
internal static class ValidationEndpoints
{
    /// <summary>Postal code that makes address validation answer InteractionRequired with one suggestion.</summary>
    public const string SuggestionPostalCode = "00000";

    /// <summary>Postal code that makes address validation answer None (no match).</summary>
    public const string NoMatchPostalCode = "99999";

    /// <summary>Countries that require organizationRegistrationNumber and a phone number (600049 / 600051 [K:error-codes]).</summary>
    public static readonly IReadOnlySet<string> RegistrationNumberCountries =
        new HashSet<string>(["AM", "AZ", "BY", "HU", "IN", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA"], StringComparer.OrdinalIgnoreCase);

    public static void MapValidationEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapMethods("/domains/{domain}", ["HEAD"], DomainExists);
        v1.MapPost("/validations/address", ValidateAddress);
        v1.MapGet("/countryvalidationrules/{iso2}", CountryRules);
    }

    /// <summary>200 when the domain is taken, 404 when free [K:verify-domain-availability].</summary>
    private static IResult DomainExists(string domain, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            return state.DomainTaken(NormalizeDomain(domain)) ? TypedResults.Ok() : TypedResults.NotFound();
        }
    }

    /// <summary>A bare prefix means the .onmicrosoft.com domain.</summary>
    public static string NormalizeDomain(string domain) => domain.Contains('.', StringComparison.Ordinal) ? domain : domain + ".onmicrosoft.com";

    /// <summary>[K:validate-an-address]: VerifiedShippable, except the two postal codes above.</summary>
    private static async Task<IResult> ValidateAddress(HttpRequest request)
    {
        Address? address;
        try
        {
            address = await JsonSerializer.DeserializeAsync(request.Body, PartnerCenterJson.Default.Address, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return PartnerCenterErrors.InvalidInput("body", "is not a JSON address.");
        }

        if (string.IsNullOrWhiteSpace(address?.Country) || address.Country.Length != 2)
        {
            return PartnerCenterErrors.InvalidInput("Country", "must be an ISO-2 country code.");
        }

        AddressValidationResponse answer = address.PostalCode switch
        {
            SuggestionPostalCode => new(address, [address with { PostalCode = "98052", City = address.City?.ToUpperInvariant() }],
                "InteractionRequired", "Address field invalid for property: 'PostalCode'"),
            NoMatchPostalCode => new(address, [], "None", "The address could not be found."),
            _ => new(address, [], "VerifiedShippable", null),
        };
        return TypedResults.Json(answer, PartnerCenterJson.Default.AddressValidationResponse);
    }

    /// <summary>CountryInformation [K:get-market-specific-validation-data]; US carries states and a ZIP pattern.</summary>
    private static IResult CountryRules(string iso2)
    {
        if (iso2.Length != 2 || !iso2.All(char.IsAsciiLetter))
        {
            return PartnerCenterErrors.InvalidInput("iso2", "must be an ISO-2 country code.");
        }

        string country = iso2.ToUpperInvariant();
        bool us = country == "US";
        bool registration = RegistrationNumberCountries.Contains(country);
        IReadOnlyList<string> states = us ? ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
            "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
            "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC"] : [];
        string culture = us ? "en-US" : $"en-{country}";
        return TypedResults.Json(new CountryValidationRules(
            country, culture, us, new StateList(states), ["en"], [culture], true, us ? @"^\d{5}(-\d{4})?$" : null, true,
            null, registration, registration, new ResourceAttributes("CountryInformation")), PartnerCenterJson.Default.CountryValidationRules);
    }
}
