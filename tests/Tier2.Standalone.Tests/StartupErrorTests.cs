using System.Diagnostics;
using System.Text.Json.Nodes;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Tests;

public sealed class StartupErrorTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("tier2-standalone-").FullName;

    public void Dispose() => Directory.Delete(this.folder, recursive: true);

    [Theory]
    [InlineData("queueTrigger")]
    [InlineData("entityTrigger")]
    [InlineData("blob")]
    public void An_unsupported_binding_type_fails_start_up_naming_the_function_the_binding_and_what_is_supported(string type)
    {
        this.WriteMetadata(functions => functions.First(f => (string?)f!["name"] == "Hello")!["bindings"]![0]!["type"] = type);

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(this.Options()));

        Assert.Contains("'Hello'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{type}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("httpTrigger, orchestrationTrigger, activityTrigger and timerTrigger", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_the_host_cannot_bind_fails_start_up_naming_the_function_and_the_parameter()
    {
        // Measure's trigger parameter is a string; declared as an HTTP trigger it cannot be bound.
        this.WriteMetadata(functions =>
        {
            JsonNode measure = functions.First(f => (string?)f!["name"] == "Measure")!;
            measure["bindings"]![0]!["type"] = "httpTrigger";
        });

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(this.Options()));

        Assert.Contains("'Measure'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'text'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_without_ConfigureFunctionApp_fails_start_up_naming_the_convention_method()
    {
        this.WriteMetadata(_ => { });
        StandaloneHostOptions options = this.Options();
        options.AppPath = null;
        options.AppAssembly = typeof(StartupErrorTests).Assembly;

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(options));

        Assert.Contains("ConfigureFunctionApp(IHostApplicationBuilder)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_built_against_a_newer_shared_assembly_fails_start_up_naming_the_assembly_and_both_versions()
    {
        StandaloneHostOptions options = SampleHost.Options(SampleHost.Settings(SampleHost.NewHubName()));
        options.AppPath = Path.Combine(SampleHost.NewerSharedAppFolder, "Tier2.Standalone.NewerSharedApp.dll");
        string hostVersion = typeof(Microsoft.Extensions.Hosting.IHostApplicationBuilder).Assembly.GetName().Version!.ToString();

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(options));

        Assert.Contains("Tier2.Standalone.NewerSharedApp", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions 11.0.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the host's is {hostVersion}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AppLoader.ConventionMethodName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unset_schedule_setting_fails_start_up_naming_the_setting_and_the_function()
    {
        Dictionary<string, string?> settings = SampleHost.Settings(SampleHost.NewHubName());
        settings.Remove("SampleSchedule");

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(SampleHost.Options(settings)));

        Assert.Contains("'SampleSchedule'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'SampleTimer'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_storage_connection_fails_start_up_naming_the_setting()
    {
        Dictionary<string, string?> settings = SampleHost.Settings(SampleHost.NewHubName());
        settings["AzureWebJobsStorage"] = "";

        StandaloneStartupException error = Assert.Throws<StandaloneStartupException>(() => StandaloneHost.CreateBuilder(SampleHost.Options(settings)));

        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_exe_reports_a_start_up_error_in_one_line_and_exits_with_1()
    {
        ProcessStartInfo start = new("dotnet")
        {
            ArgumentList = { Path.Combine(SampleHost.StandaloneHostFolder, "Tier2.Standalone.dll"), "--app", this.folder },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.Equal(1, process.ExitCode);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr + await stdout);
        Assert.Contains("functions.metadata", lines[0], StringComparison.Ordinal);
    }

    // The sample app's functions.metadata, changed by the test, in a folder of its own.
    private void WriteMetadata(Action<JsonArray> change)
    {
        JsonArray functions = JsonNode.Parse(File.ReadAllText(Path.Combine(SampleHost.SampleAppFolder, "functions.metadata")))!.AsArray();
        change(functions);
        File.WriteAllText(Path.Combine(this.folder, "functions.metadata"), functions.ToJsonString());
        File.Copy(Path.Combine(SampleHost.SampleAppFolder, "host.json"), Path.Combine(this.folder, "host.json"));
    }

    private StandaloneHostOptions Options()
    {
        StandaloneHostOptions options = SampleHost.Options(SampleHost.Settings(SampleHost.NewHubName()));
        options.MetadataFolder = this.folder;
        return options;
    }
}
