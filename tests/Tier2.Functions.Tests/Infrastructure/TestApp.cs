using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;

namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>
/// The real app on Kestrel (random loopback port) against Azurite, with its own storage prefix and durable hub,
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

    /// <summary>Settings every test app starts with; a test overrides or removes (null) what it needs.</summary>
    public static Dictionary<string, string?> DefaultSettings(string prefix) => new()
    {
        ["AzureWebJobsStorage"] = StorageConnectionString,
        ["Storage:Prefix"] = prefix,
        ["Durable:HubName"] = "h" + prefix,
        ["Tier2:PublicBaseUrl"] = "http://tier2.test.example/api",
        ["Tier2:ProviderName"] = "Contoso Distribution",
        ["Tier2:ProviderEmail"] = "partners@contoso.example",
        ["Tier2:ProviderMpnId"] = "1111111",
        ["Auth:Mode"] = "Development",
        ["Auth:Audience"] = Audience,
        ["Auth:Issuer"] = Issuer,
        ["Auth:SigningKey"] = SigningKey,
        ["Telemetry:Console"] = "false",
        ["Email:Provider"] = "Smtp",
        ["Email:SenderAddress"] = "DoNotReply@tier2.test.example",
        ["Email:SenderName"] = "Contoso Distribution",
        ["Email:SmtpHost"] = "127.0.0.1",
        ["Email:SmtpPort"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email:SmtpSecurity"] = "None",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.500",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.200",
    };

    public static WebApplication Build(Dictionary<string, string?> settings, string url = "http://127.0.0.1:0", Action<IServiceCollection>? services = null) =>
        Program.BuildApp([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls(url);
            services?.Invoke(builder.Services);
        });

    /// <param name="configure">Changes to the default settings.</param>
    /// <param name="map">Extra functions a test declares (for example a queue function whose handler it watches).</param>
    /// <param name="publicOnOwnPort">Listen on a port chosen up front and make it the public base URL, so links in emails open this app (browser tests).</param>
    /// <param name="services">Extra services a test registers (test-only seams such as a fault injector).</param>
    public static async Task<TestApp> StartAsync(Action<Dictionary<string, string?>>? configure = null, Action<FunctionMap>? map = null, bool publicOnOwnPort = false, Action<IServiceCollection>? services = null)
    {
        var prefix = NewPrefix();
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
        if (map is not null)
        {
            map(new FunctionMap(app));
        }

        await app.StartAsync();
        // Storage is created in the background; tests that touch queues and tables directly need it done.
        await app.Services.GetRequiredService<Tier2.Functions.Storage.StorageReadiness>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestApp(app, new Uri(address), prefix);
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
