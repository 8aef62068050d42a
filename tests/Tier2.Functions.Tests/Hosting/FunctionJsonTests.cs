using Tier2.Functions.Hosting;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class FunctionJsonTests
{
    private static FunctionCatalog SampleCatalog()
    {
        var catalog = new FunctionCatalog();
        catalog.Add(new FunctionDefinition("GetThing", new HttpTrigger("things/{id}", ["GET", "PATCH"], Anonymous: false)));
        catalog.Add(new FunctionDefinition("WorkQueue", new QueueTrigger("work-items")) { QueueHandler = (_, _, _) => Task.CompletedTask });
        catalog.Add(new FunctionDefinition("Nightly", new TimerTrigger("0 30 2 * * *")) { TimerHandler = (_, _, _) => Task.CompletedTask });
        return catalog;
    }

    private static JsonElement Binding(FunctionDefinition function, int index)
    {
        using var json = JsonDocument.Parse(FunctionJsonWriter.ToJson(function));
        return json.RootElement.GetProperty("bindings")[index].Clone();
    }

    [Fact]
    public void An_http_function_yields_an_anonymous_http_trigger_with_its_route_and_methods_and_an_http_output()
    {
        var function = SampleCatalog().Find("GetThing")!;
        var trigger = Binding(function, 0);
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("in", trigger.GetProperty("direction").GetString());
        Assert.Equal("req", trigger.GetProperty("name").GetString());
        Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal("things/{id}", trigger.GetProperty("route").GetString());
        Assert.Equal(["get", "patch"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var output = Binding(function, 1);
        Assert.Equal("http", output.GetProperty("type").GetString());
        Assert.Equal("out", output.GetProperty("direction").GetString());
        Assert.Equal("res", output.GetProperty("name").GetString());
    }

    [Fact]
    public void A_queue_function_yields_a_queue_trigger_on_its_queue_with_the_storage_connection()
    {
        var trigger = Binding(SampleCatalog().Find("WorkQueue")!, 0);
        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(HostInvoker.QueueBindingName, trigger.GetProperty("name").GetString());
        Assert.Equal("work-items", trigger.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void A_timer_function_yields_a_timer_trigger_with_its_six_field_schedule()
    {
        var trigger = Binding(SampleCatalog().Find("Nightly")!, 0);
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(HostInvoker.TimerBindingName, trigger.GetProperty("name").GetString());
        Assert.Equal("0 30 2 * * *", trigger.GetProperty("schedule").GetString());
        Assert.False(trigger.GetProperty("runOnStartup").GetBoolean());
    }

    [Theory]
    [InlineData("0 30 2 * *")]
    [InlineData("not a schedule at all")]
    [InlineData("99 * * * * *")]
    public void A_timer_with_an_invalid_or_five_field_schedule_is_refused(string schedule)
    {
        var catalog = new FunctionCatalog();
        Assert.Throws<FormatException>(() => catalog.Add(new FunctionDefinition("Bad", new TimerTrigger(schedule)) { TimerHandler = (_, _, _) => Task.CompletedTask }));
    }

    [Fact]
    public void A_function_declared_twice_is_refused()
    {
        var catalog = SampleCatalog();
        var ex = Assert.Throws<InvalidOperationException>(() => catalog.Add(new FunctionDefinition("getthing", new HttpTrigger("other", ["GET"], false))));
        Assert.Contains("declared twice", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1starts-with-digit")]
    [InlineData("has space")]
    [InlineData("")]
    public void An_invalid_function_name_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new FunctionCatalog().Add(new FunctionDefinition(name, new HttpTrigger("x", ["GET"], false))));

    [Fact]
    public async Task Packaging_needs_no_setting_but_storage_to_write_the_function_json_files()
    {
        // scripts/package.sh runs the command with only AzureWebJobsStorage: building the catalog must not
        // construct services that need email, auth or provider settings.
        var output = Path.Combine(Path.GetTempPath(), "tier2-fj-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" };
            var exit = await Cli.RunAsync(["functions-json", output], _ => TestApp.Build(settings));

            Assert.Equal(0, exit);
            Assert.Contains("ReconcileAssociations", Directory.GetDirectories(output).Select(Path.GetFileName));
            Assert.Contains("DurableActivities", Directory.GetDirectories(output).Select(Path.GetFileName));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task The_functions_json_command_writes_a_folder_with_a_valid_function_json_for_every_declared_function()
    {
        var output = Path.Combine(Path.GetTempPath(), "tier2-fj-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = TestApp.DefaultSettings(TestApp.NewPrefix());
            var exit = await Cli.RunAsync(["functions-json", output], _ => TestApp.Build(settings));
            Assert.Equal(0, exit);

            await using var app = TestApp.Build(settings);
            var catalog = app.Services.GetRequiredService<FunctionCatalog>();
            Assert.NotEmpty(catalog.Functions);
            Assert.Contains(catalog.Functions, f => f.Name == "Health");
            Assert.Contains(catalog.Functions, f => f.Name == "OpenApiDocument");
            Assert.Equal(catalog.Functions.Select(f => f.Name).Order(), Directory.GetDirectories(output).Select(Path.GetFileName).Order());
            foreach (var function in catalog.Functions)
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, function.Name, "function.json")));
                var type = json.RootElement.GetProperty("bindings")[0].GetProperty("type").GetString();
                var expected = function.Trigger switch
                {
                    HttpTrigger => "httpTrigger",
                    QueueTrigger => "queueTrigger",
                    TimerTrigger => "timerTrigger",
                    _ => "?",
                };
                Assert.Equal(expected, type);
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
