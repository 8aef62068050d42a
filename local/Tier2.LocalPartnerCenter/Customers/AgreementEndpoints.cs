using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Microsoft Customer Agreement attestation, which only the provider can do for a reseller's customer (FACTS 5).</summary>
internal static class AgreementEndpoints
{
    /// <summary>The MCA template id of [K:get-customer-agreement-metadata]'s example.</summary>
    public const string MicrosoftCustomerAgreementTemplateId = "117a77b0-9360-443b-8795-c6dedc750cf9";

    private const string MicrosoftCloudAgreementTemplateId = "998b88de-aa99-4388-a42c-1b3517d49490";

    public static void MapAgreementEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/agreements", Metadata).AppPlusUserOnly();
        v1.MapPost("/customers/{customerId}/agreements", Confirm).AppPlusUserOnly();
        v1.MapGet("/customers/{customerId}/agreements", List).AppPlusUserOnly();
    }

    /// <summary>Without agreementType the call means MicrosoftCloudAgreement [K:get-customer-agreement-metadata].</summary>
    private static JsonHttpResult<ResourceCollection<AgreementMetadata>> Metadata(string? agreementType)
    {
        AgreementMetadata metadata = string.Equals(agreementType, "MicrosoftCustomerAgreement", StringComparison.OrdinalIgnoreCase)
            ? new(MicrosoftCustomerAgreementTemplateId, "MicrosoftCustomerAgreement", "https://aka.ms/customeragreement", 0, new ResourceAttributes("AgreementMetaData"))
            : new(MicrosoftCloudAgreementTemplateId, "MicrosoftCloudAgreement", "https://aka.ms/microsoftcloudagreement", 0, new ResourceAttributes("AgreementMetaData"));
        return TypedResults.Json(ResourceCollection<AgreementMetadata>.Of([metadata]), PartnerCenterJson.Default.ResourceCollectionAgreementMetadata);
    }

    /// <summary>201 echoing the body plus userId [K:confirm-customer-consent-customer-agreement].</summary>
    private static async Task<IResult> Confirm(string customerId, HttpRequest request, PartnerCenterState state, TokenStore tokens)
    {
        (Agreement? body, IResult? bad) = await RequestBody.ReadAsync(request, PartnerCenterJson.Default.Agreement);
        if (bad is not null)
        {
            return bad;
        }

        if (FieldProblem(body!) is { } problem)
        {
            return PartnerCenterErrors.InvalidInput(problem, "is missing or invalid.");
        }

        lock (state.Gate)
        {
            if (state.FindCustomer(customerId) is not { } customer)
            {
                return PartnerCenterErrors.CustomerNotFound(customerId);
            }

            Agreement created = body! with { UserId = tokens.IntegrationUserObjectId, AgreementLink = "https://aka.ms/customeragreement", Attributes = new ResourceAttributes("Agreement") };
            if (!state.Agreements.TryGetValue(customerId, out List<Agreement>? list))
            {
                state.Agreements[customerId] = list = [];
            }

            if (list.Any(a => a.PrimaryContact == body!.PrimaryContact))
            {
                // A repeat with the same contact is refused [K:confirm-customer-consent-customer-agreement].
                return PartnerCenterErrors.Fail(400, 600061, "A partner confirmed agreement already exists for the customer.");
            }

            list.Add(created);
            state.AddAudit("create_customer_agreement", "customer", customerId, customer.CompanyProfile?.CompanyName, created, []);
            return TypedResults.Json(created, PartnerCenterJson.Default.Agreement, statusCode: 201);
        }
    }

    private static string? FieldProblem(Agreement body) => true switch
    {
        _ when body.TemplateId != MicrosoftCustomerAgreementTemplateId => "templateId",
        _ when !string.Equals(body.Type, "MicrosoftCustomerAgreement", StringComparison.OrdinalIgnoreCase) => "type",
        _ when !DateTimeOffset.TryParse(body.DateAgreed, System.Globalization.CultureInfo.InvariantCulture, out _) => "dateAgreed",
        _ when string.IsNullOrWhiteSpace(body.PrimaryContact?.FirstName) => "primaryContact.firstName",
        _ when string.IsNullOrWhiteSpace(body.PrimaryContact.LastName) => "primaryContact.lastName",
        _ when string.IsNullOrWhiteSpace(body.PrimaryContact.Email) => "primaryContact.email",
        _ => null,
    };

    private static IResult List(string customerId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            if (state.FindCustomer(customerId) is null)
            {
                return PartnerCenterErrors.CustomerNotFound(customerId);
            }

            List<Agreement> items = state.Agreements.TryGetValue(customerId, out List<Agreement>? list) ? [.. list] : [];
            return TypedResults.Json(ResourceCollection<Agreement>.Of(items), PartnerCenterJson.Default.ResourceCollectionAgreement);
        }
    }
}
