using System.Net.Http.Headers;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Tests.Infrastructure;
using Tier2.Standalone.Hosting;

namespace Tier2.Functions.Tests.Engine;

/// <summary>
/// Where the builds are, the settings every engine test starts with, tokens and resellers without an app in this
/// process, and an in-process app that works in both build layouts (the repository's bin/&lt;Configuration&gt;/&lt;tfm&gt;
/// and an <c>--artifacts-path</c> build's bin/&lt;Project&gt;/&lt;pivot&gt;, where <see cref="TestApp.AppFolder"/> cannot find the app).
/// </summary>
public static class EngineBuild
{
    /// <summary>The function app's build output (functions.metadata, host.json), the same configuration as this test assembly.</summary>
    public static string AppFolder { get; } = Sibling("Tier2.Functions", "functions.metadata");

    /// <summary>The standalone host's build output.</summary>
    public static string HostFolder { get; } = Sibling("Tier2.Standalone", "Tier2.Standalone.dll");

    /// <summary>
    /// Settings as <see cref="TestApp.DefaultSettings"/>, with a rate limit that lets a test create 100 invites, and the
    /// engine's warnings left in the host's log (a failing test shows its tail).
    /// </summary>
    public static Dictionary<string, string?> Settings(string prefix)
    {
        var settings = TestApp.DefaultSettings(prefix);
        settings["Invites:CreatePerMinute"] = "10000";
        settings.Remove("Logging:LogLevel:DurableTask");
        return settings;
    }

    /// <summary>
    /// For tests that kill -9 a host or move partitions between hosts: the messages a dead process had dequeued, or a
    /// host took in a dequeue it cancelled as its partition moved, stay invisible for the queues' visibility timeout
    /// (host.json: 5 minutes) before anyone can process them. 30 s is DTFx's partition lease
    /// expiry, which a restart waits out anyway. (10 s was too short under load: messages reappeared while still
    /// being processed and DTFx kept discarding them as duplicates.)
    /// </summary>
    public static Dictionary<string, string?> WithShortVisibilityTimeouts(Dictionary<string, string?> settings)
    {
        settings["AzureFunctionsJobHost:extensions:durableTask:storageProvider:controlQueueVisibilityTimeout"] = "00:00:30";
        settings["AzureFunctionsJobHost:extensions:durableTask:storageProvider:workItemQueueVisibilityTimeout"] = "00:00:30";
        return settings;
    }

    public static string NewPrefix() => "e" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A token as <c>TestApp.Token</c> mints it, with the test settings' Auth values, no app needed.</summary>
    public static string Token(string role = Roles.ProviderAdmin, string? resellerId = null) =>
        new DevelopmentTokenIssuer(Options.Create(new AuthOptions { Mode = AuthMode.Development, Audience = TestApp.Audience, Issuer = TestApp.Issuer, SigningKey = TestApp.SigningKey }), TimeProvider.System)
            .Issue(role, resellerId);

    public static HttpClient Client(Uri address, string role = Roles.ProviderAdmin)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role));
        return client;
    }

    /// <summary>An Active partnered reseller written through <see cref="ResellerStore"/> on the prefix's tables (as the invite flow does).</summary>
    public static async Task<string> CreateResellerAsync(string prefix, string companyName)
    {
        var store = new ResellerStore(new TableServiceClient(TestApp.StorageConnectionString), new StorageNames(prefix), TimeProvider.System);
        var reseller = Customers.CustomerTestKit.NewReseller(companyName);
        var id = reseller.Id;

        // The host creates its tables in the background after it starts answering.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                Assert.True((await store.CreateAsync(reseller, "test", CancellationToken.None)).Created);
                break;
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }

        Assert.Equal(ChangeOutcome.Changed, (await store.ChangeStatusAsync(id, ResellerStatus.PendingActivation, ResellerStatus.Active, "test", null, CancellationToken.None)).Outcome);
        return id;
    }

    /// <summary>The app in this process on the standalone host, as <see cref="TestApp.Build"/> starts it, but with <see cref="AppFolder"/>.</summary>
    public static async Task<InProcessApp> StartInProcessAsync(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var app = StandaloneHost.Build(new StandaloneHostOptions
        {
            AppAssembly = typeof(Tier2App).Assembly,
            MetadataFolder = AppFolder,
            LoadLocalSettings = false,
            ConfigureBeforeApp = builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.WebHost.UseUrls("http://127.0.0.1:0");
            },
            ConfigureAfterApp = builder => services?.Invoke(builder.Services),
        });
        await app.StartAsync();
        await app.Services.GetRequiredService<StorageReadiness>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessApp(app, new Uri(address));
    }

    /// <summary>
    /// The sibling project's output for this test assembly's configuration: in an artifacts layout
    /// (bin/Tier2.Functions.Tests/debug -> bin/&lt;project&gt;/debug) or the repository layout
    /// (tests/Tier2.Functions.Tests/bin/Debug/net10.0 -> functions/&lt;project&gt;/bin/Debug/net10.0).
    /// </summary>
    private static string Sibling(string project, string marker)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tried = new List<string>();
        if (here.Parent is { } projectDir && projectDir.Parent is { } binRoot)
        {
            var artifacts = Path.Combine(binRoot.FullName, project, here.Name);
            tried.Add(artifacts);
            if (File.Exists(Path.Combine(artifacts, marker)))
            {
                return artifacts;
            }
        }

        var framework = here.Name;
        var configuration = here.Parent?.Name ?? "Debug";
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                var folder = Path.Combine(dir.FullName, "functions", project, "bin", configuration, framework);
                tried.Add(folder);
                if (File.Exists(Path.Combine(folder, marker)))
                {
                    return folder;
                }

                break;
            }
        }

        throw new InvalidOperationException($"No {marker} for {project} in {string.Join(" or ", tried)}: build {project} with the test project's configuration first.");
    }
}

/// <summary>An app started by <see cref="EngineBuild.StartInProcessAsync"/>; stopped (the DTFx worker too) and disposed with it.</summary>
public sealed class InProcessApp(WebApplication app, Uri address) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public Uri Address { get; } = address;

    public IServiceProvider Services => App.Services;

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }
}
