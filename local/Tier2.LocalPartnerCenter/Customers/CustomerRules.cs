using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>What create-customer refuses, in the order Partner Center would find it.</summary>
internal static class CustomerRules
{
    public const int SandboxCustomerLimit = 75;

    /// <summary>The refusal for <paramref name="body"/>, or null when the customer can be created. Call under the state's gate.</summary>
    public static IResult? Refusal(Customer body, PartnerCenterState state)
    {
        if (FieldProblem(body) is { } problem)
        {
            return PartnerCenterErrors.InvalidInput(problem.Field, problem.Message);
        }

        Address address = body.BillingProfile!.DefaultAddress!;
        bool needsRegistration = ValidationEndpoints.RegistrationNumberCountries.Contains(address.Country!);
        bool hasRegistration = !string.IsNullOrWhiteSpace(body.CompanyProfile!.OrganizationRegistrationNumber);
        if (needsRegistration && !hasRegistration)
        {
            return PartnerCenterErrors.Fail(400, 600049, "Organization registration ID information is missing");
        }

        if (!needsRegistration && hasRegistration)
        {
            return PartnerCenterErrors.Fail(400, 600002, "Organization registration ID value isn't supported");
        }

        if (needsRegistration && string.IsNullOrWhiteSpace(address.PhoneNumber))
        {
            return PartnerCenterErrors.Fail(400, 600051, "Customer phone number is missing");
        }

        if (body.AssociatedPartnerId is { } resellerTenant
            && (!state.Resellers.TryGetValue(resellerTenant, out ResellerRecord? reseller) || !reseller.Active))
        {
            // "It must have a partnership with the provider or the call fails" [K:create-a-customer-for-an-indirect-reseller].
            return PartnerCenterErrors.Fail(400, 800016, "PartnerID isn't a valid Indirect Reseller", resellerTenant);
        }

        string domain = ValidationEndpoints.NormalizeDomain(body.CompanyProfile.Domain!);
        if (state.DomainTaken(domain))
        {
            // No code is documented for a taken domain; 400/800002 "Invalid request input" naming the field is the closest.
            return PartnerCenterErrors.Fail(400, 800002, $"Invalid request input: CompanyProfile.Domain {domain} is already in use.", "CompanyProfile.Domain");
        }

        if (state.Options.SandboxLimits && state.Customers.Count >= SandboxCustomerLimit)
        {
            // The integration sandbox holds 75 customers [L:test-and-debug]; 800018 "The sandbox limit has been met".
            return PartnerCenterErrors.Fail(400, 800018, $"The sandbox limit has been met: {SandboxCustomerLimit} customers.");
        }

        return null;
    }

    /// <summary>The required fields and the limits of [K:utility-resources] and [K:create-a-customer-for-an-indirect-reseller].</summary>
    private static (string Field, string Message)? FieldProblem(Customer body)
    {
        CustomerCompanyProfile? company = body.CompanyProfile;
        CustomerBillingProfile? billing = body.BillingProfile;
        Address? address = billing?.DefaultAddress;
        return true switch
        {
            _ when string.IsNullOrWhiteSpace(company?.Domain) => ("CompanyProfile.Domain", "is required."),
            _ when company.Domain.Contains('.', StringComparison.Ordinal) && !company.Domain.EndsWith(".onmicrosoft.com", StringComparison.OrdinalIgnoreCase)
                => ("CompanyProfile.Domain", "must be a *.onmicrosoft.com domain."),
            _ when string.IsNullOrWhiteSpace(billing?.Email) => ("BillingProfile.Email", "is required."),
            _ when string.IsNullOrWhiteSpace(billing.Culture) => ("BillingProfile.Culture", "is required."),
            _ when billing.Language is not { Length: 2 } => ("BillingProfile.Language", "must be a 2-letter language."),
            _ when string.IsNullOrWhiteSpace(billing.CompanyName) => ("BillingProfile.CompanyName", "is required."),
            _ when address is null => ("BillingProfile.DefaultAddress", "is required."),
            _ when address.Country is not { Length: 2 } => ("BillingProfile.DefaultAddress.Country", "must be an ISO-2 country code."),
            _ when address.AddressLine1 is not { Length: >= 1 and <= 200 } => ("BillingProfile.DefaultAddress.AddressLine1", "must be 1-200 characters."),
            _ when (address.State?.Length ?? 0) > 2 => ("BillingProfile.DefaultAddress.State", "must be 0-2 characters."),
            _ when string.IsNullOrWhiteSpace(address.City) => ("BillingProfile.DefaultAddress.City", "is required."),
            _ when string.IsNullOrWhiteSpace(address.PostalCode) => ("BillingProfile.DefaultAddress.PostalCode", "is required."),
            _ when address.FirstName is not { Length: >= 1 and <= 50 } => ("BillingProfile.DefaultAddress.FirstName", "must be 1-50 characters."),
            _ when address.LastName is not { Length: >= 1 and <= 50 } => ("BillingProfile.DefaultAddress.LastName", "must be 1-50 characters."),
            _ when body.AssociatedPartnerId is not null && !Guid.TryParse(body.AssociatedPartnerId, out _)
                => ("AssociatedPartnerId", "must be the reseller's tenant id (a GUID)."),
            _ => null,
        };
    }
}
