using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Products, skus and availabilities (FACTS 6.1), from Seed/catalog.json; the same catalog in every country.</summary>
internal static class CatalogEndpoints
{
    public static void MapCatalogEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/products", Products);
        v1.MapGet("/products/{productId}", Product);
        v1.MapGet("/products/{productId}/skus", Skus);
        v1.MapGet("/products/{productId}/skus/{skuId}/availabilities", Availabilities);
    }

    /// <summary>country and targetView are both required [K:get-a-list-of-products]; only OnlineServices has products here.</summary>
    private static IResult Products(string? country, string? targetView, Catalog catalog)
    {
        if (string.IsNullOrEmpty(country))
        {
            return PartnerCenterErrors.InvalidInput("country", "is required.");
        }

        if (string.IsNullOrEmpty(targetView))
        {
            return PartnerCenterErrors.InvalidInput("targetView", "is required.");
        }

        List<Product> items = string.Equals(targetView, "OnlineServices", StringComparison.OrdinalIgnoreCase)
            ? [.. catalog.Products.Select(Catalog.ToProduct)]
            : [];
        return TypedResults.Json(ResourceCollection<Product>.Of(items), PartnerCenterJson.Default.ResourceCollectionProduct);
    }

    private static IResult Product(string productId, Catalog catalog) => catalog.FindProduct(productId) is { } product
        ? TypedResults.Json(Catalog.ToProduct(product), PartnerCenterJson.Default.Product)
        : PartnerCenterErrors.NotFound($"Product {productId}");

    private static IResult Skus(string productId, string? country, Catalog catalog)
    {
        if (string.IsNullOrEmpty(country))
        {
            return PartnerCenterErrors.InvalidInput("country", "is required.");
        }

        return catalog.FindProduct(productId) is { } product
            ? TypedResults.Json(ResourceCollection<Sku>.Of([.. product.Skus.Select(s => Catalog.ToSku(product, s))]), PartnerCenterJson.Default.ResourceCollectionSku)
            : PartnerCenterErrors.NotFound($"Product {productId}");
    }

    private static IResult Availabilities(string productId, string skuId, string? country, Catalog catalog)
    {
        if (string.IsNullOrEmpty(country))
        {
            return PartnerCenterErrors.InvalidInput("country", "is required.");
        }

        CatalogSeedProduct? product = catalog.FindProduct(productId);
        CatalogSeedSku? sku = product?.Skus.FirstOrDefault(s => string.Equals(s.Id, skuId, StringComparison.OrdinalIgnoreCase));
        return sku is null
            ? PartnerCenterErrors.NotFound($"Sku {productId}:{skuId}")
            : TypedResults.Json(ResourceCollection<Availability>.Of([.. catalog.Sold(product!, sku).Select(a => Catalog.ToAvailability(product!, sku, a, country.ToUpperInvariant()))]),
                PartnerCenterJson.Default.ResourceCollectionAvailability);
    }
}
