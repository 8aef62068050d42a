using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("tier2-standalone-").FullName;

    public void Dispose() => Directory.Delete(this.folder, recursive: true);

    [Fact]
    public void Local_settings_values_become_configuration_with_double_underscores_as_section_separators()
    {
        this.CopySampleFiles();
        File.WriteAllText(Path.Combine(this.folder, "local.settings.json"), new JsonObject
        {
            ["IsEncrypted"] = false,
            ["Values"] = new JsonObject
            {
                ["AzureWebJobsStorage"] = SampleHost.Storage,
                ["SampleSchedule"] = "0 0 0 1 1 *",
                ["Sample__Greeting"] = "Howdy",
            },
        }.ToJsonString());

        WebApplicationBuilder builder = StandaloneHost.CreateBuilder(this.Options(loadLocalSettings: true));

        Assert.Equal("Howdy", builder.Configuration["Sample:Greeting"]);
        Assert.Equal("SampleHub", builder.Configuration["AzureFunctionsJobHost:extensions:durableTask:hubName"]);
    }

    [Fact]
    public void Local_settings_are_ignored_when_the_caller_opts_out()
    {
        this.CopySampleFiles();
        File.WriteAllText(Path.Combine(this.folder, "local.settings.json"), """{ "Values": { "Sample__Greeting": "Howdy" } }""");

        WebApplicationBuilder builder = StandaloneHost.CreateBuilder(this.Options(loadLocalSettings: false));

        Assert.Equal("Hi", builder.Configuration["Sample:Greeting"]);
    }

    private StandaloneHostOptions Options(bool loadLocalSettings)
    {
        Dictionary<string, string?> settings = loadLocalSettings ? [] : SampleHost.Settings(SampleHost.NewHubName());
        StandaloneHostOptions options = SampleHost.Options(settings);
        options.MetadataFolder = this.folder;
        options.LoadLocalSettings = loadLocalSettings;
        return options;
    }

    private void CopySampleFiles()
    {
        foreach (string file in new[] { "functions.metadata", "host.json" })
        {
            File.Copy(Path.Combine(SampleHost.SampleAppFolder, file), Path.Combine(this.folder, file));
        }
    }
}
