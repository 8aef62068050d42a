using System.Text.Json;
using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace Tier2.Functions.Orchestrations;

/// <summary>
/// Durable Functions needs no registration of its own (the extension finds the orchestrator and activity functions
/// by their triggers); this adds what Tier2 keeps next to it.
/// </summary>
public static class DurableHosting
{
    /// <summary>
    /// How orchestration inputs, outputs, events and custom statuses are written: the API's JSON (camelCase, enums
    /// as strings where the types say so), so an event raised through <c>/api/orchestrations/{id}/events</c> reads
    /// like the rest of the API and the history is readable with the usual Durable Functions tooling.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddTier2Orchestrations(this IServiceCollection services)
    {
        // The Functions host's Durable extension converts with the worker's serializer; the standalone host with
        // the DataConverter it finds in DI. Both get the same options.
        services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(Json));
        services.AddSingleton<DataConverter>(new JsonDataConverter(Json));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OrchestrationsJsonContext.Default));
        return services;
    }
}
