using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Tier2.Durable;

namespace Tier2.Bench;

/// <summary>Service clients over one connection string, optionally counting every request.</summary>
public static class StorageClients
{
    public static DurableStorage Create(string connection, DurableOptions options, RequestCounter? counter)
    {
        var tableOptions = new TableClientOptions();
        // host.json "messageEncoding": "none": the app's queue clients send plain text, so the bench does too.
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var blobOptions = new BlobClientOptions();
        if (counter is not null)
        {
            tableOptions.AddPolicy(counter.For("table"), Azure.Core.HttpPipelinePosition.PerRetry);
            queueOptions.AddPolicy(counter.For("queue"), Azure.Core.HttpPipelinePosition.PerRetry);
            blobOptions.AddPolicy(counter.For("blob"), Azure.Core.HttpPipelinePosition.PerRetry);
        }

        return new DurableStorage(
            new TableServiceClient(connection, tableOptions),
            new QueueServiceClient(connection, queueOptions),
            new BlobServiceClient(connection, blobOptions),
            options);
    }
}
