using System.Globalization;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Tier2.Standalone.Hosting;
using Tier2.Connections;

namespace Tier2.Standalone.Durable;

/// <summary>
/// Maps host.json's <c>extensions.durableTask</c> section (as configuration, so
/// <c>AzureFunctionsJobHost__extensions__durableTask__*</c> overrides it) to DTFx's Azure Storage settings,
/// with the names and defaults Durable Functions uses.
/// </summary>
internal static class DurableSettings
{
    /// <summary>The configuration section of the Durable Task extension.</summary>
    public const string Section = FunctionsConfiguration.JobHostSection + ":extensions:durableTask";

    /// <summary>Durable Functions' hub name when neither host.json nor the site name gives one.</summary>
    public const string DefaultHubName = "TestHubName";

    public static string HubName(IConfiguration configuration)
    {
        string? hub = configuration[$"{Section}:hubName"];
        if (!string.IsNullOrWhiteSpace(hub))
        {
            return hub;
        }

        // Durable Functions defaults to the site name in Azure, TestHubName elsewhere.
        string? site = configuration["WEBSITE_SITE_NAME"];
        return string.IsNullOrWhiteSpace(site) ? DefaultHubName : new string([.. site.Where(char.IsLetterOrDigit)]);
    }

    public static AzureStorageOrchestrationServiceSettings Create(
        IConfiguration configuration, StorageConnection storage, string hostId, ILoggerFactory loggerFactory)
    {
        IConfigurationSection durable = configuration.GetSection(Section);
        IConfigurationSection provider = durable.GetSection("storageProvider");

        // Settings Durable Functions reads from storageProvider (or, for older host.json files, durableTask).
        string? Read(string key) => provider[key] ?? durable[key];

        void Set(string key, Action<string> set)
        {
            if (Read(key) is { Length: > 0 } value)
            {
                set(value);
            }
        }

        AzureStorageOrchestrationServiceSettings settings = new()
        {
            TaskHubName = HubName(configuration),
            StorageAccountClientProvider = storage.ConnectionString is { } connectionString
                ? new StorageAccountClientProvider(connectionString)
                : new StorageAccountClientProvider(storage.BlobServiceUri!, storage.QueueServiceUri!, storage.TableServiceUri!, storage.Credential!),
            AppName = hostId,

            // Unique per host instance: several hosts (processes, or tests in one process) share partitions.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}",
            LoggerFactory = loggerFactory,

            // A start for an id that is Pending/Running must fail, as under Durable Functions.
            ThrowExceptionOnInvalidDedupeStatus = true,
            UseAppLease = Bool(Read("useAppLease"), "useAppLease") ?? false,
        };

        Set("partitionCount", v => settings.PartitionCount = Int(v, "partitionCount"));
        Set("controlQueueBatchSize", v => settings.ControlQueueBatchSize = Int(v, "controlQueueBatchSize"));
        Set("controlQueueBufferThreshold", v => settings.ControlQueueBufferThreshold = Int(v, "controlQueueBufferThreshold"));
        Set("maxQueuePollingInterval", v => settings.MaxQueuePollingInterval = Time(v, "maxQueuePollingInterval"));
        Set("controlQueueVisibilityTimeout", v => settings.ControlQueueVisibilityTimeout = Time(v, "controlQueueVisibilityTimeout"));
        Set("workItemQueueVisibilityTimeout", v => settings.WorkItemQueueVisibilityTimeout = Time(v, "workItemQueueVisibilityTimeout"));
        Set("maxConcurrentActivityFunctions", v => settings.MaxConcurrentTaskActivityWorkItems = Int(v, "maxConcurrentActivityFunctions"));
        Set("maxConcurrentOrchestratorFunctions", v => settings.MaxConcurrentTaskOrchestrationWorkItems = Int(v, "maxConcurrentOrchestratorFunctions"));
        Set("extendedSessionsEnabled", v => settings.ExtendedSessionsEnabled = Bool(v, "extendedSessionsEnabled") ?? false);
        Set("extendedSessionIdleTimeoutInSeconds", v => settings.ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(Int(v, "extendedSessionIdleTimeoutInSeconds")));
        Set("useTablePartitionManagement", v => settings.UseTablePartitionManagement = Bool(v, "useTablePartitionManagement") ?? false);
        Set("useLegacyPartitionManagement", v => settings.UseLegacyPartitionManagement = Bool(v, "useLegacyPartitionManagement") ?? false);
        Set("trackingStoreNamePrefix", v => settings.TrackingStoreNamePrefix = v);
        Set("fetchLargeMessagesAutomatically", v => settings.FetchLargeMessageDataEnabled = Bool(v, "fetchLargeMessagesAutomatically") ?? true);
        Set("maxStorageOperationConcurrency", v => settings.MaxStorageOperationConcurrency = Int(v, "maxStorageOperationConcurrency"));
        Set("maxCheckpointBatchSize", v => settings.MaxCheckpointBatchSize = Int(v, "maxCheckpointBatchSize"));
        Set("allowReplayingTerminalInstances", v => settings.AllowReplayingTerminalInstances = Bool(v, "allowReplayingTerminalInstances") ?? false);
        Set("useInstanceTableEtag", v => settings.UseInstanceTableEtag = Bool(v, "useInstanceTableEtag") ?? false);
        return settings;
    }

    private static int Int(string value, string key) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new StandaloneStartupException($"Setting '{Section}:{key}' is not an integer: '{value}'.");

    private static bool? Bool(string? value, string key) =>
        string.IsNullOrWhiteSpace(value) ? null
        : bool.TryParse(value, out bool b) ? b
        : throw new StandaloneStartupException($"Setting '{Section}:{key}' is not true/false: '{value}'.");

    private static TimeSpan Time(string value, string key) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out TimeSpan t)
            ? t
            : throw new StandaloneStartupException($"Setting '{Section}:{key}' is not a time span (hh:mm:ss): '{value}'.");
}
