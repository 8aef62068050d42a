using Tier2.Functions.Storage;

namespace Tier2.Functions.Orchestrations;

/// <summary>
/// Durable Functions needs no registration of its own (the extension finds the orchestrator and activity functions
/// by their triggers); this adds what Tier2 keeps next to it.
/// </summary>
public static class DurableHosting
{
    public static IServiceCollection AddTier2Orchestrations(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrchestrationsJsonContext.Default));
        return services;
    }
}
