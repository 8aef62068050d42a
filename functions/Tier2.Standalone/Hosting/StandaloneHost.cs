using System.Globalization;
using System.Reflection;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tier2.Connections;
using Tier2.Standalone.Catalog;
using Tier2.Standalone.Durable;
using Tier2.Standalone.Http;
using Tier2.Standalone.Timers;

namespace Tier2.Standalone.Hosting;

/// <summary>
/// Builds the standalone host for an isolated-worker function app: its services (through the app's
/// <c>ConfigureFunctionApp</c>), its HTTP functions on Kestrel, its orchestrators and activities on DTFx, its
/// timers. <c>app.Services</c> of the result is the app's container.
/// </summary>
public static class StandaloneHost
{
    /// <summary>Where the host listens when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says.</summary>
    public const string DefaultUrl = "http://localhost:7071";

    /// <summary>The environment variable naming the app folder when <c>--app</c> is not given.</summary>
    public const string AppEnvironmentVariable = "TIER2_STANDALONE_APP";

    /// <summary>
    /// Loads the app, layers configuration (host.json, local.settings.json, environment, arguments), runs
    /// <see cref="StandaloneHostOptions.ConfigureBeforeApp"/>, the app's <c>ConfigureFunctionApp</c> and
    /// <see cref="StandaloneHostOptions.ConfigureAfterApp"/>, then registers the host's services.
    /// </summary>
    /// <exception cref="StandaloneStartupException">Something the app or its settings lack, named in the message.</exception>
    public static WebApplicationBuilder CreateBuilder(StandaloneHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AppLoader.LoadedApp app = AppLoader.Load(options);
        SharedAssemblies.Check(app.Assembly);
        MethodInfo configure = AppLoader.FindConventionMethod(app.Assembly);
        FunctionCatalog catalog = FunctionCatalog.Load(app.Assembly, app.Folder);

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. options.Args],
            ContentRootPath = app.Folder,
            ApplicationName = app.Assembly.GetName().Name,
        });
        FunctionsConfiguration.Apply(builder.Configuration, app.Folder, options.LoadLocalSettings);
        // The Functions host names no server in its responses; neither does this one.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        // --urls, ASPNETCORE_URLS and ASPNETCORE_HTTP(S)_PORTS (set by the .NET container images) win.
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.HttpsPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        options.ConfigureBeforeApp?.Invoke(builder);
        try
        {
            configure.Invoke(null, [builder]);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new StandaloneStartupException(
                $"{configure.DeclaringType!.FullName}.{AppLoader.ConventionMethodName} failed: {inner.GetType().Name}: {inner.Message}", inner);
        }

        options.ConfigureAfterApp?.Invoke(builder);
        AddHostServices(builder, catalog, app.Assembly.GetName().Name ?? "app");
        return builder;
    }

    /// <summary>Builds the app from <see cref="CreateBuilder"/>'s builder and maps its HTTP functions.</summary>
    /// <exception cref="StandaloneStartupException">A function route that is not valid.</exception>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        WebApplication app = builder.Build();
        FunctionCatalog catalog = app.Services.GetRequiredService<FunctionCatalog>();
        HttpFunctionEndpoints.Map(app, catalog.OfKind(FunctionKind.Http).Where(f => !IsDisabled(app.Configuration, f)));
        return app;
    }

    /// <summary><see cref="CreateBuilder"/> then <see cref="Build(WebApplicationBuilder)"/>.</summary>
    /// <exception cref="StandaloneStartupException">Something the app or its settings lack, named in the message.</exception>
    public static WebApplication Build(StandaloneHostOptions options) => Build(CreateBuilder(options));

    /// <summary>
    /// Creates the task hub in storage (queues, tables, containers) if the app has durable functions, so a
    /// storage problem is reported before the host starts serving.
    /// </summary>
    /// <exception cref="StandaloneStartupException">Storage could not be reached.</exception>
    public static async Task PrepareStorageAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<DurableEngine>() is not { } engine)
        {
            return;
        }

        try
        {
            await engine.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
        {
            throw new StandaloneStartupException(
                $"Cannot create task hub '{engine.HubName}' in the '{StorageConnection.SettingName}' storage account: {e.GetType().Name}: {FirstLine(e.Message)}", e);
        }
    }

    private static void AddHostServices(WebApplicationBuilder builder, FunctionCatalog catalog, string appName)
    {
        ConfigurationManager configuration = builder.Configuration;
        IServiceCollection services = builder.Services;
        services.AddSingleton(catalog);
        string hostId = HostIdentity.Resolve(configuration, appName);

        List<TimerFunction> timers = [.. catalog.OfKind(FunctionKind.Timer)
            .Where(f => !IsDisabled(configuration, f))
            .Select(f => new TimerFunction(
                f,
                TimerSchedule.Parse(f.Name, f.Trigger.Schedule ?? throw new StandaloneStartupException($"Function '{f.Name}': timer trigger has no schedule."), configuration),
                f.Trigger.RunOnStartup,
                f.Trigger.UseMonitor ?? true))];
        bool usesDurable = catalog.Functions.Any(f => f.Kind is FunctionKind.Orchestrator or FunctionKind.Activity
            || f.Parameters.Any(p => p.Source == ParameterSource.DurableClient));
        if (!usesDurable && timers.Count == 0)
        {
            return;
        }

        StorageConnection storage;
        try
        {
            storage = StorageConnection.FromConfiguration(configuration);
        }
        catch (InvalidOperationException e)
        {
            throw new StandaloneStartupException(
                $"{e.Message} ({(usesDurable ? "durable functions need it" : "timer functions keep their locks in it")})", e);
        }
        if (usesDurable)
        {
            services.AddSingleton(sp => new DurableEngine(
                DurableSettings.Create(configuration, storage, hostId, sp.GetRequiredService<ILoggerFactory>()),
                sp.GetService<DataConverter>() ?? JsonDataConverter.Default));
            services.AddSingleton(sp => new DtfxDurableTaskClient(sp.GetRequiredService<DurableEngine>()));
            services.AddSingleton<DurableTaskClient>(sp => sp.GetRequiredService<DtfxDurableTaskClient>());
            services.AddHostedService<DurableWorkerService>();
        }

        if (catalog.OfKind(FunctionKind.Http).Any(f => typeof(IActionResult).IsAssignableFrom(FunctionInvoker.ResultType(f.Method.ReturnType))))
        {
            // IActionResult results execute through MVC's result executors.
            services.AddMvcCore();
        }

        if (timers.Count > 0)
        {
            IConfigurationSection singleton = configuration.GetSection($"{FunctionsConfiguration.JobHostSection}:singleton");
            TimerLockSettings locks = new(
                Clamp(Time(singleton["listenerLockPeriod"], TimeSpan.FromSeconds(15)), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60)),
                Time(singleton["listenerLockRecoveryPollingInterval"], TimeSpan.FromSeconds(10)));
            services.AddHostedService(sp => new TimerScheduler(
                timers,
                new TimerStatusStore(storage.CreateBlobServiceClient().GetBlobContainerClient(TimerStatusStore.ContainerName), hostId),
                locks,
                sp,
                sp.GetRequiredService<ILogger<TimerScheduler>>()));
        }
    }

    // AzureWebJobs.<name>.Disabled, the Functions host's switch for one function.
    private static bool IsDisabled(IConfiguration configuration, FunctionDescriptor function) =>
        bool.TryParse(configuration[$"AzureWebJobs.{function.Name}.Disabled"], out bool disabled) && disabled;

    private static TimeSpan Time(string? text, TimeSpan fallback) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value) ? value : fallback;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
