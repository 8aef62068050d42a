using System.Globalization;
using System.Text.Json.Nodes;

namespace Tier2.Infra.Tests;

/// <summary>The Flex Consumption plan and the function app, as main.bicep builds them with each parameter file.</summary>
public sealed class FunctionAppTests
{
    /// <summary>
    /// Site properties Flex Consumption refuses (its deprecations list; ARM error 51021 names them, for example
    /// Site.SiteConfig.FtpsState), some even when sent as null. Matched case-insensitively.
    /// </summary>
    private static readonly string[] FlexDeprecatedSiteConfig =
    [
        "ftpsState", "linuxFxVersion", "windowsFxVersion", "functionAppScaleLimit", "minimumElasticInstanceCount",
        "preWarmedInstanceCount", "elasticWebAppScaleLimit", "alwaysOn", "netFrameworkVersion", "javaVersion",
        "nodeVersion", "powerShellVersion", "pythonVersion", "phpVersion", "use32BitWorkerProcess",
        "functionsRuntimeScaleMonitoringEnabled",
    ];

    private static readonly string[] FlexDeprecatedSiteProperties = ["containerSize", "dailyMemoryTimeQuota"];

    /// <summary>App settings Flex Consumption replaced by functionAppConfig (or has no use for).</summary>
    private static readonly string[] FlexRefusedAppSettings =
    [
        "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY", "FUNCTIONS_WORKER_PROCESS_COUNT", "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
        "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTOVERVNET", "WEBSITE_NODE_DEFAULT_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID", "WEBSITE_SKIP_CONTENTSHARE_VALIDATION", "WEBSITE_VNET_ROUTE_ALL",
    ];

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Only_the_flex_consumption_plan_is_deployed(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var plan = template.The("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.Node["sku"]?["name"]?.GetValue<string>());
        Assert.Equal("FlexConsumption", plan.Node["sku"]?["tier"]?.GetValue<string>());
        Assert.True(plan.Properties["reserved"]?.GetValue<bool>(), "the plan is Linux (reserved: true)");
        var site = template.The("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", site.Node["kind"]?.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_flex_site_sends_no_deprecated_property(string parameterFile)
    {
        var site = CompiledTemplate.For(parameterFile).The("Microsoft.Web/sites");
        var siteConfig = site.Properties["siteConfig"]?.AsObject() ?? [];
        var sent = siteConfig.Select(p => p.Key).ToList();
        Assert.DoesNotContain(sent, k => FlexDeprecatedSiteConfig.Contains(k, StringComparer.OrdinalIgnoreCase));
        // Anything else in siteConfig must be a deliberate addition to this list, checked against the Flex docs.
        Assert.All(sent, k => Assert.Contains(k, new[] { "minTlsVersion" }));
        Assert.DoesNotContain(site.Properties.Select(p => p.Key), k => FlexDeprecatedSiteProperties.Contains(k, StringComparer.OrdinalIgnoreCase));
        // Nor as a separate sites/config "web" resource.
        Assert.DoesNotContain(CompiledTemplate.For(parameterFile).OfType("Microsoft.Web/sites/config"), c => c.Node["name"]!.ToString().EndsWith("'web')]", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_settings_hold_no_setting_flex_consumption_refuses(string parameterFile)
    {
        var settings = AppSettings(parameterFile);
        Assert.DoesNotContain(settings.Select(p => p.Key), k => FlexRefusedAppSettings.Contains(k, StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_flex_site_runs_the_dotnet_isolated_worker_on_dotnet_10(string parameterFile)
    {
        var runtime = CompiledTemplate.For(parameterFile).The("Microsoft.Web/sites").Properties["functionAppConfig"]?["runtime"];
        Assert.NotNull(runtime);
        Assert.Equal("dotnet-isolated", runtime["name"]?.GetValue<string>());
        // The string "10.0": a number, or "10", is refused.
        var version = runtime["version"]!.AsValue();
        Assert.True(version.TryGetValue<string>(out var text), "runtime.version is a string");
        Assert.Equal("10.0", text);
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_flex_site_deploys_from_its_blob_container_as_the_app_identity(string parameterFile)
    {
        var site = CompiledTemplate.For(parameterFile).The("Microsoft.Web/sites");
        var storage = site.Properties["functionAppConfig"]?["deployment"]?["storage"];
        Assert.Equal("blobContainer", storage?["type"]?.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", storage?["authentication"]?["type"]?.GetValue<string>());
        Assert.Equal("UserAssigned", site.Node["identity"]?["type"]?.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_durable_group_has_at_least_one_always_ready_instance(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var site = template.The("Microsoft.Web/sites");
        var alwaysReady = site.Properties["functionAppConfig"]?["scaleAndConcurrency"]?["alwaysReady"]?.AsArray() ?? [];
        var durable = alwaysReady.SingleOrDefault(a => a?["name"]?.GetValue<string>() == "durable");
        Assert.NotNull(durable);
        var count = durable["instanceCount"];
        var parameter = template.MainParameterBehind(site, count);
        if (parameter is null)
        {
            Assert.True(count!.GetValue<int>() >= 1, $"durable instanceCount {count}");
            return;
        }

        var declared = template.Template["parameters"]![parameter]!;
        Assert.True(declared["minValue"]?.GetValue<int>() >= 1, $"main.bicep parameter {parameter} allows fewer than 1 instance");
        Assert.True(template.EffectiveValue(parameter)!.GetValue<int>() >= 1, $"{parameterFile} sets {parameter} below 1");
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Durable_functions_poll_empty_queues_at_most_every_ten_seconds(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var settingsResource = AppSettingsResource(parameterFile);
        var value = settingsResource.Properties["AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval"];
        Assert.NotNull(value);
        var tenSeconds = TimeSpan.FromSeconds(10);
        var parameter = template.MainParameterBehind(settingsResource, value);
        if (parameter is null)
        {
            Assert.True(TimeSpan.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture) <= tenSeconds);
            return;
        }

        var allowed = template.Template["parameters"]![parameter]!["allowedValues"]?.AsArray();
        Assert.NotNull(allowed);
        Assert.All(allowed, a => Assert.True(TimeSpan.Parse(a!.GetValue<string>(), CultureInfo.InvariantCulture) <= tenSeconds, $"{parameter} allows {a}"));
        Assert.True(TimeSpan.Parse(template.EffectiveValue(parameter)!.GetValue<string>(), CultureInfo.InvariantCulture) <= tenSeconds);
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Storage_connections_use_the_app_identity_by_client_id_and_nothing_sets_AZURE_CLIENT_ID(string parameterFile)
    {
        var settings = AppSettings(parameterFile);
        Assert.DoesNotContain("AZURE_CLIENT_ID", settings.Select(p => p.Key), StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Select(p => p.Key));
        Assert.True(settings.ContainsKey("AzureWebJobsStorage__accountName"));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]?.GetValue<string>());
        // Every identity-based connection names the user-assigned identity itself.
        var connections = settings.Where(p => p.Key.EndsWith("__credential", StringComparison.Ordinal)).Select(p => p.Key[..^"__credential".Length]).ToList();
        Assert.Contains("AzureWebJobsStorage", connections);
        Assert.All(connections, c => Assert.Contains($"{c}__clientId", settings.Select(p => p.Key)));
        var template = CompiledTemplate.For(parameterFile);
        var resource = AppSettingsResource(parameterFile);
        Assert.All(connections, c => Assert.Equal("[parameters('identityClientId')]", resource.Properties[$"{c}__clientId"]?.GetValue<string>()));
        // ... which is the client id of the identity the app runs as.
        Assert.Equal("[reference('identity').clientId]", resource.Deployment!.Properties["parameters"]?["identityClientId"]?["value"]?.GetValue<string>());
        Assert.Contains("[parameters('identityId')]", template.The("Microsoft.Web/sites").Node["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key.Replace("[format('{0}', parameters('identityId'))]", "[parameters('identityId')]", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_settings_are_the_ones_the_isolated_worker_reads_and_no_custom_handler_leftover(string parameterFile)
    {
        var keys = AppSettings(parameterFile).Select(p => p.Key).ToHashSet();
        string[] expected =
        [
            "Tier2__PublicBaseUrl", "Tier2__ProviderName", "Tier2__ProviderEmail", "Tier2__ProviderMpnId",
            "Auth__Mode", "Auth__Authority", "Auth__Audience",
            "Email__Provider", "Email__AcsEndpoint", "Email__SenderAddress",
            "DataProtection__KeyVaultKeyId",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        ];
        Assert.All(expected, k => Assert.Contains(k, keys));
        // Tier2.Durable and its settings are gone: the task hub name comes from host.json
        // (overridable with AzureFunctionsJobHost__extensions__durableTask__hubName).
        Assert.DoesNotContain(keys, k => k.StartsWith("Durable__", StringComparison.OrdinalIgnoreCase));
        // Only sections the app or the Functions host reads.
        string[] sections =
        [
            "Tier2", "Auth", "Email", "Storage", "DataProtection", "Reconciliation", "Telemetry", "Invites", "Offers",
            "PartnerCenter", "AzureWebJobsStorage", "AzureFunctionsJobHost",
        ];
        Assert.All(keys.Where(k => !k.StartsWith("APPLICATIONINSIGHTS_", StringComparison.Ordinal)), k => Assert.Contains(k.Split("__")[0], sections));
        var values = AppSettings(parameterFile);
        Assert.Equal("EntraId", values["Auth__Mode"]?.GetValue<string>());
        Assert.Equal("Acs", values["Email__Provider"]?.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Basic_auth_publishing_is_off(string parameterFile)
    {
        var policies = CompiledTemplate.For(parameterFile).OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False(p.Properties["allow"]!.GetValue<bool>()));
        Assert.True(CompiledTemplate.For(parameterFile).The("Microsoft.Web/sites").Properties["httpsOnly"]!.GetValue<bool>());
    }

    internal static CompiledTemplate.Resource AppSettingsResource(string parameterFile) =>
        CompiledTemplate.For(parameterFile).OfType("Microsoft.Web/sites/config")
            .Single(c => c.Node["name"]!.ToString().EndsWith("'appsettings')]", StringComparison.Ordinal));

    /// <summary>The app settings: a literal object in the template (a computed one could not be checked).</summary>
    internal static JsonObject AppSettings(string parameterFile)
    {
        var properties = AppSettingsResource(parameterFile).Node["properties"];
        Assert.True(properties is JsonObject, "the app settings are a literal object, so that they can be checked");
        return properties.AsObject();
    }
}
