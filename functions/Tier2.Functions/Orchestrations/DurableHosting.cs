using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Tier2.Durable;
using Tier2.Durable.Queues;
using Tier2.Functions.Hosting;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orchestrations;

/// <summary>Settings <c>Durable__*</c>.</summary>
public sealed class DurableSettings
{
    public const string Section = "Durable";

    /// <summary>Names the task hub's tables, queues and container; two apps on one account need different hubs.</summary>
    public string HubName { get; set; } = "Tier2";

    /// <summary>Longest visibility delay of one timer message; longer timers are chained (at most 7 days).</summary>
    public TimeSpan MaxTimerVisibility { get; set; } = TimeSpan.FromDays(6);
}

/// <summary>A feature's orchestrators and activities, registered when the runtime is built.</summary>
public sealed record DurableFunctions(Action<DurableRegistry, IServiceProvider> Register);

/// <summary>JSON metadata a feature contributes for its orchestration inputs, outputs and events.</summary>
public sealed record DurableJson(IJsonTypeInfoResolver Resolver);

public static class DurableHosting
{
    public const string OrchestrationFunction = "DurableOrchestrations";
    public const string ActivityFunction = "DurableActivities";

    public static IServiceCollection AddTier2Durable(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(DurableSettings.Section).Get<DurableSettings>() ?? new DurableSettings();
        services.AddSingleton(sp =>
        {
            var serializer = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            foreach (var json in sp.GetServices<DurableJson>())
            {
                serializer.TypeInfoResolverChain.Add(json.Resolver);
            }

            var wakeUp = sp.GetService<IQueueWakeUp>();
            var options = new DurableOptions
            {
                HubName = settings.HubName,
                MaxTimerVisibility = settings.MaxTimerVisibility,
                // The runtime's poison threshold must be the queue trigger's, or an instance could be poisoned unmarked.
                MaxDequeueCount = sp.GetRequiredService<QueueTriggerOptions>().MaxDequeueCount,
                SerializerOptions = serializer,
                MessageEnqueued = wakeUp is null ? null : wakeUp.WakeUp,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"Setting 'Durable__{ex.ParamName}' is invalid: {ex.Message}", ex);
            }

            return options;
        });
        services.AddSingleton(sp => new DurableStorage(
            sp.GetRequiredService<TableServiceClient>(),
            sp.GetRequiredService<QueueServiceClient>(),
            sp.GetRequiredService<BlobServiceClient>(),
            sp.GetRequiredService<DurableOptions>()));
        services.AddSingleton(sp =>
        {
            var registry = new DurableRegistry();
            foreach (var functions in sp.GetServices<DurableFunctions>())
            {
                functions.Register(registry, sp);
            }

            return registry;
        });
        services.AddSingleton(sp => new DurableWorker(sp.GetRequiredService<DurableStorage>(), sp.GetRequiredService<DurableRegistry>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Tier2.Durable"), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DurableClient(sp.GetRequiredService<DurableStorage>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new StorageSetupStep("durable task hub", static (sp, ct) => sp.GetRequiredService<DurableStorage>().EnsureCreatedAsync(ct)));
        services.AddSingleton(new DurableJson(OrchestrationsJsonContext.Default));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrchestrationsJsonContext.Default));
        return services;
    }

    /// <summary>The runtime's two queues, served by two queue functions (the host scales them in Azure).</summary>
    public static void MapDurableQueues(this FunctionMap functions)
    {
        var storage = functions.Services.GetRequiredService<DurableStorage>();
        functions.Queue(OrchestrationFunction, storage.OrchestrationQueueName, static (message, services, ct) =>
            services.GetRequiredService<DurableWorker>().HandleOrchestrationMessageAsync(message.Body, message.DequeueCount, ct));
        functions.Queue(ActivityFunction, storage.ActivityQueueName, static (message, services, ct) =>
            services.GetRequiredService<DurableWorker>().HandleActivityMessageAsync(message.Body, message.DequeueCount, ct));
    }
}
