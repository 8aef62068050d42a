using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Offers;

public static class OffersFeature
{
    public static IServiceCollection AddOffers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OffersOptions>().Bind(configuration.GetSection(OffersOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OffersOptions>, OffersOptionsValidator>();
        services.AddSingleton<OfferCatalog>();
        services.AddSingleton<OfferCatalogTable>();
        services.AddSingleton<OfferSource>();
        services.AddStorageResource(StorageResourceKind.Table, OfferCatalogTable.TableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OffersJsonContext.Default));
        return services;
    }

    /// <summary><c>GET /api/offers[?country=]</c>: what a customer can buy (any admin), read from the catalog table only.</summary>
    [Function(nameof(ListOffers))]
    [HttpHandler(nameof(ListAsync))]
    [Tags("Offers")]
    [EndpointSummary("The subscriptions a customer in a country can buy: catalog item, license limits, terms and billing cycles")]
    [EndpointDescription("With Partner Center Enabled, the country's new-commerce catalog as the last sync read it (SyncOfferCatalog, daily, or POST /api/offers/refresh); Disabled, or before a country's first sync, the bundled offers file. country: one of Offers__Countries (default: the first).")]
    public static IResult ListOffers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "offers")] HttpRequest request) =>
        HttpFunctions.Run(request);

    /// <summary><c>POST /api/offers/refresh</c>: reads Partner Center's catalog now (provider admin) and answers the run.</summary>
    [Function(nameof(RefreshOffers))]
    [HttpHandler(nameof(RefreshAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Offers")]
    [EndpointSummary("Read Partner Center's catalog into the offers table now (the SyncOfferCatalog job's run, also listed under /api/reconciliation/runs)")]
    public static IResult RefreshOffers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "offers/refresh")] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    private static async Task<Results<Ok<IReadOnlyList<Offer>>, ValidationProblem>> ListAsync(string? country, OfferSource offers, CancellationToken cancellationToken)
    {
        if (offers.Country(country) is not { } configured)
        {
            return Problem.Field("country", $"Offers are sold in {string.Join(", ", offers.Countries)} (Offers__Countries); '{country}' is not one of them.");
        }

        return TypedResults.Ok((await offers.ShelfAsync(configured, cancellationToken)).Offers);
    }

    private static async Task<Ok<ReconciliationRun>> RefreshAsync(
        OfferCatalogSync sync, ReconciliationRunner runner, IOptions<ReconciliationOptions> options, OrchestrationClient durable, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runner.RunAsync(sync, options.Value.MaxItemsPerRun, durable, cancellationToken));
}
