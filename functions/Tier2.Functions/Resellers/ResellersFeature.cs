using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

public static class ResellersFeature
{
    public static IServiceCollection AddResellers(this IServiceCollection services)
    {
        services.AddSingleton<ResellerStore>();
        services.AddTransient<PartnerCenterResellers>();
        services.AddTransient<ResellerActivation>();
        services.AddStorageResource(StorageResourceKind.Table, ResellerStore.TableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(ResellersJsonContext.Default));
        return services;
    }
}
