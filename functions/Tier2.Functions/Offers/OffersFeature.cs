using Microsoft.Extensions.Options;
using Tier2.Functions.Hosting;

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
    public static void MapOffers(this FunctionMap functions) =>
        functions.Get("ListOffers", "offers", (OfferCatalog catalog) => TypedResults.Ok(catalog.Offers))
            .WithTags("Offers").WithSummary("The subscriptions a customer can buy: license limits, terms and billing cycles");
}
