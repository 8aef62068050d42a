using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Tier2.Connections;

namespace Tier2.Standalone.Tests;

/// <summary>
/// <c>AzureWebJobsStorage</c> as both the function app and this host read it (Tier2.Connections, one library): the
/// rules here are the app's too.
/// </summary>
public sealed class StorageConnectionTests
{
    [Fact]
    public void A_connection_string_is_used_as_given()
    {
        StorageConnection connection = Read(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), connection.CreateBlobServiceClient().Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), connection.CreateQueueServiceClient().Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), connection.CreateTableServiceClient().Uri);
    }

    [Fact]
    public void A_connection_string_under_ConnectionStrings_wins_as_under_the_Functions_host()
    {
        StorageConnection connection = Read(new()
        {
            ["ConnectionStrings:AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=named;AccountKey=a2V5;EndpointSuffix=core.windows.net",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        });

        Assert.Equal(new Uri("https://named.blob.core.windows.net/"), connection.CreateBlobServiceClient().Uri);
    }

    [Fact]
    public async Task Queue_messages_are_plain_text_as_the_Functions_host_writes_them_whatever_the_options_say()
    {
        QueueClient queue = Read(new() { ["AzureWebJobsStorage"] = SampleHost.Storage })
            .CreateQueueServiceClient(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })
            .GetQueueClient("plain" + Guid.NewGuid().ToString("N"));
        await queue.CreateAsync();
        try
        {
            await queue.SendMessageAsync("hello");

            Azure.Storage.Queues.Models.PeekedMessage[] raw = (await new QueueClient(SampleHost.Storage, queue.Name).PeekMessagesAsync()).Value;
            Assert.Equal("hello", Assert.Single(raw).MessageText);
        }
        finally
        {
            await queue.DeleteAsync();
        }
    }

    [Fact]
    public void A_value_that_is_not_a_connection_string_fails_naming_the_setting_and_not_repeating_the_value()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Read(new() { ["AzureWebJobsStorage"] = "AccountKey=c2VjcmV0" }));

        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_connection_at_all_fails_naming_the_setting_and_its_identity_based_forms()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Read([]));

        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__accountName'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_identity_based_connection_uses_the_account_names_service_endpoints_and_the_named_managed_identity()
    {
        StorageConnection connection = Read(new()
        {
            ["AzureWebJobsStorage:accountName"] = "tier2store",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Null(connection.ConnectionString);
        Assert.Equal(new Uri("https://tier2store.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.Equal(new Uri("https://tier2store.queue.core.windows.net"), connection.QueueServiceUri);
        Assert.Equal(new Uri("https://tier2store.table.core.windows.net"), connection.TableServiceUri);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
    }

    [Fact]
    public void Without_credential_settings_an_identity_based_connection_uses_the_default_credential()
    {
        StorageConnection connection = Read(new() { ["AzureWebJobsStorage:accountName"] = "tier2store" });

        Assert.IsType<DefaultAzureCredential>(connection.Credential);
    }

    [Fact]
    public void A_service_uri_overrides_the_one_derived_from_the_account_name()
    {
        StorageConnection connection = Read(new()
        {
            ["AzureWebJobsStorage:accountName"] = "tier2store",
            ["AzureWebJobsStorage:blobServiceUri"] = "https://blobs.example/",
        });

        Assert.Equal(new Uri("https://blobs.example/"), connection.CreateBlobServiceClient().Uri);
        Assert.Equal(new Uri("https://tier2store.queue.core.windows.net"), connection.QueueServiceUri);
    }

    [Fact]
    public void Without_an_account_name_all_three_service_uris_are_needed()
    {
        StorageConnection connection = Read(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "https://blobs.example/",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://queues.example/",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://tables.example/",
        });
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Read(new() { ["AzureWebJobsStorage:blobServiceUri"] = "https://blobs.example/" }));

        Assert.Equal(new Uri("https://tables.example/"), connection.TableServiceUri);
        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accountName", "Tier2_Store")]
    [InlineData("accountName", "ab")]
    [InlineData("blobServiceUri", "http://blobs.example/")]
    [InlineData("queueServiceUri", "queues.example")]
    public void A_wrong_identity_based_setting_fails_naming_it(string key, string value)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Read(new()
        {
            ["AzureWebJobsStorage:accountName"] = "tier2store",
            [$"AzureWebJobsStorage:{key}"] = value,
        }));

        Assert.Contains($"'AzureWebJobsStorage__{key}'", error.Message, StringComparison.Ordinal);
    }

    private static StorageConnection Read(Dictionary<string, string?> values) =>
        StorageConnection.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
