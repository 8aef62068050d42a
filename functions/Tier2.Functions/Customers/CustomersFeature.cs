using Tier2.Functions.Hosting;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Customers;

public static class CustomersFeature
{
    /// <summary>Customers, their reseller relationships and their subscriptions (one table, one partition per customer).</summary>
    public static IServiceCollection AddCustomers(this IServiceCollection services)
    {
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<PartnerRules>();
        services.AddTransient<SubscriptionChanges>();
        services.AddTransient<SubscriptionChangeActivities>();
        services.AddStorageResource(StorageResourceKind.Table, CustomerStore.TableName);
        services.AddStorageResource(StorageResourceKind.Table, CustomerStore.IndexTableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(CustomersJsonContext.Default));
        return services;
    }

}
