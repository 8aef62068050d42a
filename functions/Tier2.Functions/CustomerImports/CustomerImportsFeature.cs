namespace Tier2.Functions.CustomerImports;

public static class CustomerImportsFeature
{
    /// <summary>A reseller's existing Partner Center customers: the import (an orchestration) and the relationship request link; rows beside the reseller's.</summary>
    public static IServiceCollection AddCustomerImports(this IServiceCollection services)
    {
        services.AddSingleton<CustomerImportStore>();
        services.AddTransient<ResellerCustomerImporter>();
        services.AddTransient<CustomerImportActivities>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(CustomerImportsJsonContext.Default));
        return services;
    }
}
