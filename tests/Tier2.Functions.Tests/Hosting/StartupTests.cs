using System.Diagnostics;
using Microsoft.Extensions.Options;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class StartupTests
{
    [Theory]
    [InlineData("Tier2:ProviderName", "Tier2__ProviderName")]
    [InlineData("Tier2:PublicBaseUrl", "Tier2__PublicBaseUrl")]
    [InlineData("Auth:SigningKey", "Auth__SigningKey")]
    [InlineData("Auth:Audience", "Auth__Audience")]
    public async Task Start_up_fails_naming_a_missing_setting(string key, string settingName)
    {
        var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
        settings[key] = "";
        await using var app = TestApp.Build(settings);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains(settingName, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_up_fails_naming_the_storage_setting_when_it_is_missing()
    {
        var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
        settings["AzureWebJobsStorage"] = null;

        // The standalone host wraps what the app's registration threw, keeping its message.
        var ex = Assert.ThrowsAny<Exception>(() => TestApp.Build(settings));

        Assert.Contains("'AzureWebJobsStorage'", ex.Message, StringComparison.Ordinal);
        Assert.True(Tier2.Functions.Hosting.HostingSetup.TryReportConfigurationError(ex.GetBaseException(), TextWriter.Null));
    }

    [Fact]
    public void An_invalid_public_base_url_is_refused_at_start_up()
    {
        var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
        settings["Tier2:PublicBaseUrl"] = "not-a-url";
        using var app = TestApp.Build(settings);

        var ex = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<Tier2.Functions.Hosting.AppOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.Contains("Tier2__PublicBaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_published_handler_exits_with_a_message_naming_the_missing_setting()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Tier2.Functions.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", dll])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["AzureWebJobsStorage"] = TestApp.StorageConnectionString;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Auth__SigningKey"] = TestApp.SigningKey;
        start.Environment["Auth__Audience"] = TestApp.Audience;
        start.Environment["Tier2__PublicBaseUrl"] = "http://localhost/api";
        start.Environment["Tier2__ProviderEmail"] = "p@example.com";
        start.Environment["TIER2_LOCAL_SETTINGS"] = "/nonexistent/local.settings.json";
        start.Environment.Remove("Tier2__ProviderName");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Configuration error: Setting 'Tier2__ProviderName' is required", await stderr, StringComparison.Ordinal);
    }
}
