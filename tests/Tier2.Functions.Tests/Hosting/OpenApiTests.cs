using System.Diagnostics;
using Xunit.Abstractions;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class OpenApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_openapi_document_describes_every_json_http_function()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/openapi.json", UriKind.Relative));
        var paths = document.GetProperty("paths");

        var missing = new List<string>();
        foreach (var function in app.Services.GetRequiredService<HttpFunctionCatalog>().Functions)
        {
            if (function.Find<Microsoft.AspNetCore.Routing.ExcludeFromDescriptionAttribute>() is not null)
            {
                continue;
            }

            var path = "/" + HostJson.RoutePrefix + "/" + function.Route;
            foreach (var method in function.Methods)
            {
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var operation)
                    || operation.GetProperty("operationId").GetString() != function.Name)
                {
                    missing.Add($"{function.Name}: {method} {path}");
                }
            }
        }

        Assert.Empty(missing);
        Assert.True(paths.EnumerateObject().Count() >= 30, "every JSON function is described");
    }

    /// <summary>
    /// The contract a portal generates its client from: the bearer scheme; per operation a summary, a description and
    /// the roles its policy admits (anonymous ones none); every 4xx as problem details with the one problem schema.
    /// </summary>
    [Fact]
    public async Task The_openapi_document_declares_security_roles_and_problem_responses()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/openapi.json", UriKind.Relative));
        var components = document.GetProperty("components");
        Assert.Equal("bearer", components.GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var problem = components.GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties");
        foreach (var field in new[] { "type", "title", "status", "detail", "instance", "traceId", "errors" })
        {
            Assert.True(problem.TryGetProperty(field, out _), $"the problem schema has {field}");
        }

        // An input that is a string for leniency (any case) still says which values it takes, spelled as responses spell them.
        var delivery = components.GetProperty("schemas").GetProperty("CreateInviteRequest").GetProperty("properties").GetProperty("delivery").GetProperty("description").GetString();
        Assert.Contains("\"Email\"", delivery, StringComparison.Ordinal);
        Assert.Contains("\"Draft\"", delivery, StringComparison.Ordinal);

        var wrong = new List<string>();
        var operations = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var operation = op.Value;
                var id = operation.GetProperty("operationId").GetString()!;
                operations[id] = operation;
                if (string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var s) ? s.GetString() : null)
                    || string.IsNullOrWhiteSpace(operation.TryGetProperty("description", out var d) ? d.GetString() : null))
                {
                    wrong.Add($"{id}: no summary or description");
                }

                if (!operation.TryGetProperty("security", out _))
                {
                    wrong.Add($"{id}: no security requirement");
                }

                foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4')))
                {
                    var schema = response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out var media)
                        ? media.GetProperty("schema").GetProperty("$ref").GetString()
                        : null;
                    if (schema != "#/components/schemas/ProblemDetails")
                    {
                        wrong.Add($"{id}: {response.Name} is not problem details");
                    }
                }
            }
        }

        Assert.Empty(wrong);
        string[] Roles(string id) => operations[id].GetProperty("security").EnumerateArray()
            .SelectMany(r => r.GetProperty("bearer").EnumerateArray().Select(x => x.GetString()!)).Order(StringComparer.Ordinal).ToArray();
        string[] Responses(string id) => operations[id].GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();

        Assert.Empty(Roles("Health"));
        Assert.Equal(["provider-admin"], Roles("CreateInvite"));
        Assert.Equal(["provider-admin", "reseller-admin"], Roles("ListCustomers"));
        Assert.Superset(new HashSet<string> { "400", "401", "403", "404", "412", "415", "428" }, Responses("UpdateSubscription").ToHashSet());
        Assert.Superset(new HashSet<string> { "400", "401", "403", "415", "422", "429" }, Responses("CreateInvite").ToHashSet());
        Assert.Superset(new HashSet<string> { "401", "403", "404", "410" }, Responses("GetOrderSetupInfo").ToHashSet());
        Assert.Equal("Fabrikam", operations["CreateInvite"].GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("companyName").GetString());
    }

    /// <summary>
    /// Redocly's recommended ruleset (redocly.yaml at the repository root), pinned in package-lock.json and run offline
    /// from node_modules: the served document has no error, and the problems are printed when it does.
    /// </summary>
    [Fact]
    public async Task The_openapi_document_passes_redocly_lint()
    {
        var redocly = Path.Combine(Repository.Root, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: run npm ci at the repository root (scripts/test.sh does).");

        await using var app = await TestApp.StartAsync();
        var json = await app.Client.GetStringAsync(new Uri("/api/openapi.json", UriKind.Relative));
        var file = Path.Combine(Path.GetTempPath(), $"tier2-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        var passed = false;
        try
        {
            var start = new ProcessStartInfo(redocly, ["lint", file, "--config", Path.Combine(Repository.Root, "redocly.yaml"), "--format", "codeframe"])
            {
                WorkingDirectory = Repository.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // Offline and quiet: no telemetry, no update check.
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            start.Environment["NO_COLOR"] = "1";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var report = await stdout + await errors;
            output.WriteLine(report);
            passed = process.ExitCode == 0;
            Assert.True(passed, $"redocly lint failed (exit {process.ExitCode}); the document is kept at {file}:\n{report}");
        }
        finally
        {
            if (passed)
            {
                File.Delete(file);
            }
        }
    }
}
