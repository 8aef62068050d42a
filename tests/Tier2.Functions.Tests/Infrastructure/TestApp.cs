using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tier2.Functions.Auth;
using Tier2.Standalone.Hosting;

namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>
/// The real function app on the standalone host (the same functions on the same Durable Functions engine as in
/// Azure), in this process on a random loopback port, against Azurite, with its own storage prefix and task hub,
/// so every test has tables and queues of its own.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string SigningKey = "dGllcjItdGVzdHMtc2lnbmluZy1rZXktMzItYnl0ZXMtbG9uZyEhIQ==";
    public const string Audience = "api://tier2-tests";
    public const string Issuer = "tier2-tests";

    private TestApp(WebApplication app, Uri address, string prefix)
    {
        App = app;
        Address = address;
        Prefix = prefix;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public string Prefix { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public static string StorageConnectionString => Environment.GetEnvironmentVariable("TIER2_TEST_STORAGE") ?? "UseDevelopmentStorage=true";

    /// <summary>maildev's SMTP port (scripts/test.sh starts one on a free port; 1025 is scripts/run.sh's).</summary>
    public static int SmtpPort => int.TryParse(Environment.GetEnvironmentVariable("TIER2_TEST_SMTP_PORT"), out var port) ? port : 1025;

    /// <summary>maildev's web/REST address.</summary>
    public static Uri MaildevUrl => new(Environment.GetEnvironmentVariable("TIER2_TEST_MAILDEV_URL") ?? "http://127.0.0.1:1080");

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Settings every test app starts with; a test overrides or removes (null) what it needs. They are
    /// local.settings.sample.json's (the one list of the app's settings, which the bench and scripts/test.sh's demo
    /// start from too) with what a test needs of its own: storage, task hub, addresses, token keys, log levels.
    /// </summary>
    public static Dictionary<string, string?> DefaultSettings(string prefix)
    {
        var settings = LocalSettingsFile.Read(Path.Combine(Repository.Root, "local.settings.sample.json"));
        settings["AzureWebJobsStorage"] = StorageConnectionString;
        settings["Storage:Prefix"] = prefix;
        settings["AzureFunctionsJobHost:extensions:durableTask:hubName"] = "h" + prefix;
        settings["AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval"] = "00:00:00.500";
        settings["Tier2:PublicBaseUrl"] = "http://tier2.test.example/api";
        // The provider's own MPN ID, which the subscription tests try to name as a partner of record.
        settings["Tier2:ProviderMpnId"] = "1111111";
        settings["Auth:Audience"] = Audience;
        settings["Auth:Issuer"] = Issuer;
        settings["Auth:SigningKey"] = SigningKey;
        settings["Email:SmtpPort"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning";
        // Keys stay unwrapped locally and in tests (in Azure a Key Vault key wraps them): not worth a warning per test.
        settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        // Abandoned work items and lease changes are the engine's business; a test that fails on purpose is not news.
        settings["Logging:LogLevel:DurableTask"] = "Error";
        // Partner Center stays Disabled unless a test points the app at a local Partner Center of its own.
        settings["PartnerCenter:Mode"] = "Disabled";
        return settings;
    }

    /// <summary>The function app's build output: functions.metadata and host.json, as the Functions host reads them.</summary>
    public static string AppFolder { get; } = FindAppFolder();

    public static WebApplication Build(Dictionary<string, string?> settings, string url = "http://127.0.0.1:0", Action<IServiceCollection>? services = null) =>
        StandaloneHost.Build(new StandaloneHostOptions
        {
            AppAssembly = typeof(Tier2App).Assembly,
            MetadataFolder = AppFolder,
            LoadLocalSettings = false,
            ConfigureBeforeApp = builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.WebHost.UseUrls(url);
            },
            ConfigureAfterApp = builder => services?.Invoke(builder.Services),
        });

    /// <param name="configure">Changes to the default settings.</param>
    /// <param name="publicOnOwnPort">Listen on a port chosen up front and make it the public base URL, so links in emails open this app (browser tests).</param>
    /// <param name="services">Extra services a test registers (test-only seams such as a fault injector).</param>
    /// <param name="prefix">Another app's <see cref="Prefix"/>, to run a second instance on its tables and task hub.</param>
    public static async Task<TestApp> StartAsync(Action<Dictionary<string, string?>>? configure = null, bool publicOnOwnPort = false, Action<IServiceCollection>? services = null, string? prefix = null)
    {
        prefix ??= NewPrefix();
        var settings = DefaultSettings(prefix);
        var url = "http://127.0.0.1:0";
        if (publicOnOwnPort)
        {
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            url = $"http://127.0.0.1:{port}";
            settings["Tier2:PublicBaseUrl"] = url + "/api";
        }

        configure?.Invoke(settings);
        var app = Build(settings, url, services);
        await app.StartAsync();
        // Storage is created in the background; tests that touch queues and tables directly need it done.
        await app.Services.GetRequiredService<Tier2.Functions.Storage.StorageReadiness>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestApp(app, new Uri(address), prefix);
    }

    private static string FindAppFolder()
    {
        var folder = Repository.Output(Path.Combine("functions", "Tier2.Functions"));
        return File.Exists(Path.Combine(folder, "functions.metadata"))
            ? folder
            : throw new InvalidOperationException($"No functions.metadata in {folder}: build functions/Tier2.Functions ({Repository.Configuration}) first.");
    }

    public string Token(string role = Roles.ProviderAdmin, string? resellerId = null) =>
        Services.GetRequiredService<DevelopmentTokenIssuer>().Issue(role, resellerId);

    /// <summary>A client that sends a bearer token for the role.</summary>
    public HttpClient ClientAs(string role = Roles.ProviderAdmin, string? resellerId = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, resellerId));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
