using Microsoft.Extensions.Options;
using Tier2.Functions.Storage;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>Partner Center's events: settings (validated at start in either mode), the event table, the signature check and its certificate fetcher, the durable step.</summary>
public static class PartnerCenterEventsFeature
{
    public static IServiceCollection AddPartnerCenterEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PartnerCenterEventOptions>().Bind(configuration.GetSection(PartnerCenterEventOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PartnerCenterEventOptions>, PartnerCenterEventOptionsValidator>();
        services.AddStorageResource(StorageResourceKind.Table, PartnerCenterEventStore.TableName);
        services.AddSingleton<PartnerCenterEventStore>();
        services.AddSingleton<PartnerCenterEventSignature>();
        // No redirects: a redirect could lead away from the one allowed host. The fetch's own timeout bounds it.
        services.AddHttpClient(PartnerCenterEventSignature.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(PartnerCenterEventsJsonContext.Default));
        return services;
    }
}
