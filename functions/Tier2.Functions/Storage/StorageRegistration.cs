using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Tier2.Connections;

namespace Tier2.Functions.Storage;

/// <summary>A table, queue or blob container a feature needs, by logical name (the storage prefix is applied); created at start-up.</summary>
public sealed record StorageResource(StorageResourceKind Kind, string Name);

public enum StorageResourceKind
{
    Table,
    Queue,
    BlobContainer,
}

public static class StorageRegistration
{
    /// <summary>Registers the storage clients once, for every feature.</summary>
    public static IServiceCollection AddTier2Storage(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = StorageConnection.FromConfiguration(configuration);
        services.AddSingleton(connection);
        services.AddSingleton(StorageNames.FromConfiguration(configuration));
        services.AddSingleton(sp => connection.CreateTableServiceClient(WithPipeline(sp, new TableClientOptions())));
        services.AddSingleton(sp => connection.CreateQueueServiceClient(WithPipeline(sp, new QueueClientOptions())));
        services.AddSingleton(sp => connection.CreateBlobServiceClient(WithPipeline(sp, new BlobClientOptions())));
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton(new StorageSetupStep("tables, queues and containers", (sp, ct) => sp.GetRequiredService<StorageInitializer>().CreateAsync(ct)));
        services.AddSingleton<StorageReadiness>();
        services.AddHostedService<StorageReadinessService>();
        return services;
    }

    public static IServiceCollection AddStorageResource(this IServiceCollection services, StorageResourceKind kind, string name)
    {
        services.AddSingleton(new StorageResource(kind, name));
        return services;
    }

    private static T WithPipeline<T>(IServiceProvider services, T options)
        where T : Azure.Core.ClientOptions
    {
        options.Retry.MaxRetries = 3;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        foreach (var policy in services.GetServices<StoragePipelinePolicy>())
        {
            options.AddPolicy(policy.Policy, policy.Position);
        }

        return options;
    }
}

/// <summary>An extra Azure.Core pipeline policy for every storage client (request counting in benchmarks).</summary>
public sealed record StoragePipelinePolicy(Azure.Core.Pipeline.HttpPipelinePolicy Policy, Azure.Core.HttpPipelinePosition Position);

/// <summary>Creates every declared table, queue (and its poison queue) and blob container before the app serves.</summary>
public sealed partial class StorageInitializer(
    IEnumerable<StorageResource> declared,
    StorageNames names,
    TableServiceClient tables,
    QueueServiceClient queues,
    BlobServiceClient blobs,
    ILogger<StorageInitializer> logger)
{
    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        var resources = declared
            .Select(r => r with { Name = r.Kind == StorageResourceKind.Table ? names.Table(r.Name) : names.Queue(r.Name) })
            .Distinct()
            .ToList();
        var work = resources.Select(resource => resource.Kind switch
        {
            StorageResourceKind.Table => tables.CreateTableIfNotExistsAsync(resource.Name, cancellationToken),
            StorageResourceKind.Queue => queues.GetQueueClient(resource.Name).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            StorageResourceKind.BlobContainer => blobs.GetBlobContainerClient(resource.Name).CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            _ => Task.CompletedTask,
        });
        await Task.WhenAll(work);
        LogCreated(resources.Count);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Storage ready: {Count} tables, queues and containers checked")]
    private partial void LogCreated(int count);
}
