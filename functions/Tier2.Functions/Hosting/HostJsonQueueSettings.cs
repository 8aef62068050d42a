using Tier2.Durable.Queues;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Reads the queue trigger settings of host.json (<c>extensions.queues</c>) so standalone listeners behave as the
/// host does. App settings named <c>AzureFunctionsJobHost__extensions__queues__*</c> override host.json, which is
/// the host's own convention.
/// </summary>
public static class HostJsonQueueSettings
{
    public const string OverrideSection = "AzureFunctionsJobHost:extensions:queues";

    public static QueueTriggerOptions Load(IConfiguration appConfiguration, string? hostJsonPath = null)
    {
        hostJsonPath ??= Path.Combine(AppContext.BaseDirectory, "host.json");
        var builder = new ConfigurationBuilder();
        if (File.Exists(hostJsonPath))
        {
            builder.AddJsonFile(hostJsonPath, optional: false, reloadOnChange: false);
        }

        var options = new QueueTriggerOptions();
        builder.Build().GetSection("extensions:queues").Bind(options);
        appConfiguration.GetSection(OverrideSection).Bind(options);
        options.Validate("host.json extensions.queues");
        return options;
    }
}
