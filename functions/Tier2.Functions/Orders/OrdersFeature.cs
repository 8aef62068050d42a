using Tier2.Durable;
using Tier2.Functions.Hosting;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

public static class OrdersFeature
{
    /// <summary>New-customer orders and the <c>CustomerOnboarding</c> orchestration (needs offers, customers, resellers).</summary>
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddSingleton<OrderStore>();
        services.AddSingleton<OrderReview>();
        services.AddSingleton<OnboardingActivities>();
        services.AddStorageResource(StorageResourceKind.Table, OrderStore.TableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrdersJsonContext.Default));
        services.AddSingleton(new DurableJson(OrdersJsonContext.Default));
        services.AddSingleton(new DurableFunctions(static (registry, sp) =>
        {
            var a = sp.GetRequiredService<OnboardingActivities>();
            registry
                .AddOrchestrator<string, OnboardingOutcome>(CustomerOnboardingOrchestration.Name, CustomerOnboardingOrchestration.RunAsync)
                .AddActivity<string, OnboardingPlan>(OnboardingActivities.Validate, a.ValidateAsync)
                .AddActivity<string, OnboardingStepResult>(OnboardingActivities.CreateCustomer, a.CreateCustomerAsync)
                .AddActivity<OnboardingLine, OnboardingStepResult>(OnboardingActivities.CreateSubscription, a.CreateSubscriptionAsync)
                .AddActivity<string, OnboardingStepResult>(OnboardingActivities.CreateAdminUser, a.CreateAdminUserAsync)
                .AddActivity<string, OnboardingStepResult>(OnboardingActivities.Complete, a.CompleteAsync)
                .AddActivity<string, OnboardingStepResult>(OnboardingActivities.RemoveAdminUser, a.RemoveAdminUserAsync)
                .AddActivity<OnboardingLine, OnboardingStepResult>(OnboardingActivities.RemoveSubscription, a.RemoveSubscriptionAsync)
                .AddActivity<string, OnboardingStepResult>(OnboardingActivities.RemoveCustomer, a.RemoveCustomerAsync)
                .AddActivity<OnboardingFinish, OnboardingStepResult>(OnboardingActivities.Finish, a.FinishAsync);
        }));
        return services;
    }

    public static void MapOrdersFeature(this FunctionMap functions) => functions.MapOrders();
}
