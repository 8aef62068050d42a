using Tier2.Functions.Customers;
using Tier2.Functions.Invites;
using Tier2.Functions.Orders;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Hosting.OpenApi;

/// <summary>
/// Request bodies of the seed's steps (README "Try it with curl"), as the request types themselves: the document's
/// examples are these objects serialized with the app's JSON options, so they cannot drift from the types.
/// </summary>
public static class OpenApiExamples
{
    private const string ResellerId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    /// <summary>An example request body per operation id.</summary>
    public static IReadOnlyDictionary<string, object> Requests { get; } = new Dictionary<string, object>(StringComparer.Ordinal)
    {
        // 1. Request a partnership.
        ["CreateInvite"] = new CreateInviteRequest("owner@fabrikam.example", "Fabrikam", "Let us work together.", "Email"),

        // 2. New customer -> new subscription -> review.
        ["CreateOrder"] = new OrderRequest(
            ResellerId,
            new CustomerDetails(
                "Tailspin Toys",
                "tailspintoys",
                "it@tailspin.example",
                "en-US",
                "en",
                new Address("1 Main St", null, "Redmond", "WA", "98052", "US"),
                new Contact("Ada", "Lovelace", "ada@tailspin.example", null)),
            [new OrderLine("m365-business-premium", 20, "P1Y", "monthly")]),

        // 3. More licenses for an existing customer, with the reseller as partner of record.
        ["CreateSubscription"] = new CreateSubscriptionRequest("teams-rooms-pro", 2, "P1Y", "annual", ResellerId),

        // 4. Change licenses and the designated support contact (If-Match: the subscription's ETag).
        ["UpdateSubscription"] = new UpdateSubscriptionRequest(25, null, ResellerId, null),
    };
}
