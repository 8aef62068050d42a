using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

public static class OrdersFeature
{
    /// <summary>New-customer orders and the <c>CustomerOnboarding</c> orchestration (needs offers, customers, resellers).</summary>
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddSingleton<OrderStore>();
        services.AddSingleton<PartnerCenterOrderChecks>();
        services.AddSingleton<OrderReview>();
        services.AddSingleton<OnboardingActivities>();
        services.AddStorageResource(StorageResourceKind.Table, OrderStore.TableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrdersJsonContext.Default));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrderListJsonContext.Default));
        return services;
    }
}
