using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;

namespace Tier2.Functions.Offers;

public static class OffersFeature
{
    public static IServiceCollection AddOffers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OffersOptions>().Bind(configuration.GetSection(OffersOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OffersOptions>, OffersOptionsValidator>();
        services.AddSingleton<OfferCatalog>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OffersJsonContext.Default));
        return services;
    }

    /// <summary><c>GET /api/offers</c>: what a customer can buy (any admin).</summary>
    [Function(nameof(ListOffers))]
    [HttpHandler(nameof(List))]
    [Tags("Offers")]
    [EndpointSummary("The subscriptions a customer can buy: license limits, terms and billing cycles")]
    public static IResult ListOffers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "offers")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static Ok<IReadOnlyList<Offer>> List(OfferCatalog catalog) => TypedResults.Ok(catalog.Offers);
}
