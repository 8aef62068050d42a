using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Tests;

/// <summary>
/// The sample function app running in-process on the standalone host, on 127.0.0.1 with a free port,
/// against Azurite (TIER2_TEST_STORAGE) with a task hub and host id of its own.
/// </summary>
internal sealed class SampleHost : IAsyncDisposable
{
    private SampleHost(WebApplication app)
    {
        this.App = app;
        this.Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static string SampleAppFolder => Metadata("SampleAppFolder");

    public static string StandaloneHostFolder => Metadata("StandaloneHostFolder");

    /// <summary>An app built against a newer Microsoft.Extensions.Hosting.Abstractions than the host's.</summary>
    public static string NewerSharedAppFolder => Metadata("NewerSharedAppFolder");

    public static string Storage =>
        Environment.GetEnvironmentVariable("TIER2_TEST_STORAGE") is { Length: > 0 } storage ? storage : "UseDevelopmentStorage=true";

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public DurableTaskClient Client => this.App.Services.GetRequiredService<DurableTaskClient>();

    /// <summary>A task hub name no other test uses (letters and digits, starting with a letter).</summary>
    public static string NewHubName() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The settings every sample host gets (a test adds or overrides some).</summary>
    public static Dictionary<string, string?> Settings(string hub) => new()
    {
        ["AzureWebJobsStorage"] = Storage,
        ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = hub,
        ["AzureFunctionsWebHost:hostid"] = hub,
        ["SampleSchedule"] = "0 0 0 1 1 *",
        ["Sample:Greeting"] = "Hi",
    };

    public static StandaloneHostOptions Options(IDictionary<string, string?> settings) => new()
    {
        AppPath = SampleAppFolder,
        LoadLocalSettings = false,
        Args = ["--urls", "http://127.0.0.1:0"],

        // Before the app's registration: the app reads its settings while it registers its services.
        ConfigureBeforeApp = builder => builder.Configuration.AddInMemoryCollection(settings),
    };

    public static async Task<SampleHost> StartAsync(string hub, IDictionary<string, string?>? overrides = null)
    {
        Dictionary<string, string?> settings = Settings(hub);
        foreach (KeyValuePair<string, string?> setting in overrides ?? new Dictionary<string, string?>())
        {
            settings[setting.Key] = setting.Value;
        }

        WebApplication app = StandaloneHost.Build(Options(settings));
        await StandaloneHost.PrepareStorageAsync(app);
        await app.StartAsync();
        return new SampleHost(app);
    }

    /// <summary>A service of the sample app (the tests do not reference its assembly at compile time).</summary>
    public object AppService(string typeName)
    {
        Type type = AppDomain.CurrentDomain.GetAssemblies()
            .Single(a => a.GetName().Name == "Tier2.Standalone.SampleApp")
            .GetType($"Tier2.Standalone.SampleApp.{typeName}", throwOnError: true)!;
        return this.App.Services.GetRequiredService(type);
    }

    public int TimerRuns => (int)this.AppService("TimerLog").GetType().GetProperty("Runs")!.GetValue(this.AppService("TimerLog"))!;

    public async ValueTask DisposeAsync()
    {
        this.Http.Dispose();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));
        await this.App.StopAsync(timeout.Token);
        await this.App.DisposeAsync();
    }

    private static string Metadata(string key) =>
        typeof(SampleHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
