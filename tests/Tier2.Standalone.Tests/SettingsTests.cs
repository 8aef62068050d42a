using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Tier2.Connections;
using Tier2.Standalone.Durable;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Durable_settings_from_host_json_names_reach_the_Azure_Storage_provider()
    {
        IConfiguration configuration = Configuration(new()
        {
            ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = "HubFromConfig",
            ["AzureFunctionsJobHost:extensions:durableTask:maxConcurrentActivityFunctions"] = "7",
            ["AzureFunctionsJobHost:extensions:durableTask:extendedSessionsEnabled"] = "true",
            ["AzureFunctionsJobHost:extensions:durableTask:extendedSessionIdleTimeoutInSeconds"] = "45",
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:partitionCount"] = "3",
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:controlQueueBatchSize"] = "16",
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval"] = "00:00:02",
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:useTablePartitionManagement"] = "true",
        });

        AzureStorageOrchestrationServiceSettings settings = DurableSettings.Create(
            configuration, StorageConnection.FromConfiguration(Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" })), "host", NullLoggerFactory.Instance);

        Assert.Equal("HubFromConfig", settings.TaskHubName);
        Assert.Equal(7, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.True(settings.ExtendedSessionsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(45), settings.ExtendedSessionIdleTimeout);
        Assert.Equal(3, settings.PartitionCount);
        Assert.Equal(16, settings.ControlQueueBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.MaxQueuePollingInterval);
        Assert.True(settings.UseTablePartitionManagement);
    }

    [Fact]
    public void A_durable_setting_that_does_not_parse_fails_start_up_naming_it()
    {
        IConfiguration configuration = Configuration(new() { ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:partitionCount"] = "many" });

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => DurableSettings.Create(
            configuration, StorageConnection.FromConfiguration(Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" })), "host", NullLoggerFactory.Instance));

        Assert.Contains("partitionCount", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_id_is_configured_or_the_sanitized_app_name()
    {
        Assert.Equal("given", HostIdentity.Resolve(Configuration(new() { ["AzureFunctionsWebHost:hostid"] = "given" }), "App"));
        Assert.Equal("tier2-functions", HostIdentity.Resolve(Configuration([]), "Tier2.Functions"));
        Assert.Equal(32, HostIdentity.Resolve(Configuration([]), new string('a', 40)).Length);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
