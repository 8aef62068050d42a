using System.Security.Cryptography;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Customers of the provider and of its indirect resellers (FACTS 5, 7).</summary>
internal static class CustomerEndpoints
{
    public static void MapCustomerEndpoints(this IEndpointRouteBuilder v1)
    {
        // Creating for an indirect reseller is App+User only; direct creation accepts App-only (FACTS 1.4): checked in Create.
        v1.MapPost("/customers", Create);
        v1.MapGet("/customers/{customerId}", Get);
        v1.MapGet("/customers", CustomerSearch.List).AppPlusUserOnly();
        v1.MapGet("/customers/relationshiprequests", RelationshipRequests).AppPlusUserOnly();
    }

    private static async Task<IResult> Create(HttpContext context, PartnerCenterState state)
    {
        (Customer? body, IResult? bad) = await RequestBody.ReadAsync(context.Request, PartnerCenterJson.Default.Customer);
        if (bad is not null)
        {
            return bad;
        }

        if (body!.AssociatedPartnerId is not null && context.Grant().AppOnly)
        {
            return PartnerCenterErrors.Fail(403, 2032, "Access denied: creating a customer for an indirect reseller requires App+User authentication.");
        }

        string? requestId = context.Request.Headers["MS-RequestId"];
        lock (state.Gate)
        {
            // Idempotent by MS-RequestId [K:create-a-customer]: the retry of a call whose answer was lost gets the first answer.
            if (requestId is not null && state.CustomerCreatesByRequestId.TryGetValue(requestId, out Customer? first))
            {
                return TypedResults.Json(first, PartnerCenterJson.Default.Customer, statusCode: 201);
            }

            if (CustomerRules.Refusal(body, state) is { } refused)
            {
                return refused;
            }

            Customer created = NewCustomer(body, state);
            state.Customers.Add(created with { UserCredentials = null });
            state.AddAudit("add_customer", "customer", created.Id, created.CompanyProfile!.CompanyName, created with { UserCredentials = null }, []);
            if (requestId is not null)
            {
                state.CustomerCreatesByRequestId[requestId] = created;
            }

            return TypedResults.Json(created, PartnerCenterJson.Default.Customer, statusCode: 201);
        }
    }

    /// <summary>Example 2's shape: id = commerceId = tenantId, a temporary admin password, the reseller echoed.</summary>
    private static Customer NewCustomer(Customer body, PartnerCenterState state)
    {
        string id = Guid.NewGuid().ToString();
        CustomerCompanyProfile company = body.CompanyProfile! with
        {
            TenantId = id,
            Domain = ValidationEndpoints.NormalizeDomain(body.CompanyProfile!.Domain!),
            CompanyName = body.CompanyProfile.CompanyName ?? body.BillingProfile!.CompanyName,
            Attributes = new ResourceAttributes("CustomerCompanyProfile"),
        };
        CustomerBillingProfile billing = body.BillingProfile! with
        {
            Id = Guid.NewGuid().ToString(),
            Attributes = new ResourceAttributes("CustomerBillingProfile", Etag: RandomNumberGenerator.GetInt32(int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        return new Customer(id, id, company, billing, body.AssociatedPartnerId is null ? null : "reseller", true,
            new UserCredentials("admin", TemporaryPassword()), body.AssociatedPartnerId, new ResourceAttributes("Customer"));
    }

    /// <summary>Like the example's "0Krha*Io": letters, a digit and a symbol.</summary>
    private static string TemporaryPassword()
    {
        const string letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
        char[] password = [.. Enumerable.Range(0, 10).Select(_ => letters[RandomNumberGenerator.GetInt32(letters.Length)])];
        password[RandomNumberGenerator.GetInt32(0, 5)] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        password[RandomNumberGenerator.GetInt32(5, 10)] = "*!#$%"[RandomNumberGenerator.GetInt32(5)];
        return new string(password);
    }

    private static IResult Get(string customerId, PartnerCenterState state)
    {
        lock (state.Gate)
        {
            Customer? customer = state.FindCustomer(customerId);
            return customer is null
                ? PartnerCenterErrors.CustomerNotFound(customerId)
                : TypedResults.Json(customer, PartnerCenterJson.Default.Customer);
        }
    }

    /// <summary>[K:request-reseller-relationship]; with indirectResellerId the output is UNVERIFIED (FACTS 4): this server
    /// adds the reseller to the documented link, in the shape the RelationshipRequestShape option picks.</summary>
    private static IResult RelationshipRequests(string? indirectResellerId, PartnerCenterState state)
    {
        string url = $"https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId={state.Options.ProviderTenantId}&msppId=0&DAP=false";
        lock (state.Gate)
        {
            if (indirectResellerId is not null)
            {
                if (!state.Resellers.TryGetValue(indirectResellerId, out ResellerRecord? reseller) || !reseller.Active)
                {
                    return PartnerCenterErrors.Fail(400, 800016, "PartnerID isn't a valid Indirect Reseller", indirectResellerId);
                }

                url += $"&indirectCSPId={Uri.EscapeDataString(indirectResellerId)}";
            }
        }

        RelationshipRequest link = new(url + "#/BillingAccounts/partner-invitation", new ResourceAttributes("RelationshipRequest"));
        return state.Options.RelationshipRequestShape switch
        {
            RelationshipRequestShape.Collection => TypedResults.Json(ResourceCollection<RelationshipRequest>.Of([link]), PartnerCenterJson.Default.ResourceCollectionRelationshipRequest),
            RelationshipRequestShape.Unrecognized => TypedResults.Json(new UnrecognizedRelationshipRequest(link.Url, link.Attributes), PartnerCenterJson.Default.UnrecognizedRelationshipRequest),
            _ => TypedResults.Json(link, PartnerCenterJson.Default.RelationshipRequest),
        };
    }
}
