using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;
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
        var paths = (await app.Client.GetOpenApiDocumentAsync()).Paths;

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
                if (!paths.TryGetValue(path, out var item) || item.Operations?.GetValueOrDefault(new HttpMethod(method)) is not { } operation
                    || operation.OperationId != function.Name)
                {
                    missing.Add($"{function.Name}: {method} {path}");
                }
            }
        }

        Assert.Empty(missing);
        Assert.True(paths.Count >= 30, "every JSON function is described");
    }

    /// <summary>
    /// The contract a portal generates its client from: the bearer scheme; per operation a summary, a description and
    /// the roles its policy admits (anonymous ones none); every 4xx as problem details with the one problem schema.
    /// </summary>
    [Fact]
    public async Task The_openapi_document_declares_security_roles_and_problem_responses()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetOpenApiDocumentAsync();
        Assert.Equal("bearer", document.Components?.SecuritySchemes?["bearer"].Scheme);
        var problem = document.Schema("ProblemDetails").Properties ?? new Dictionary<string, IOpenApiSchema>();
        foreach (var field in new[] { "type", "title", "status", "detail", "instance", "traceId", "errors" })
        {
            Assert.True(problem.ContainsKey(field), $"the problem schema has {field}");
        }

        // An input that is a string for leniency (any case) still says which values it takes, spelled as responses spell them.
        var delivery = document.Schema("CreateInviteRequest").Property("delivery").Description;
        Assert.Contains("\"Email\"", delivery, StringComparison.Ordinal);
        Assert.Contains("\"Draft\"", delivery, StringComparison.Ordinal);

        var wrong = new List<string>();
        var operations = document.Operations();
        foreach (var (id, operation) in operations)
        {
            if (string.IsNullOrWhiteSpace(operation.Summary) || string.IsNullOrWhiteSpace(operation.Description))
            {
                wrong.Add($"{id}: no summary or description");
            }

            if (operation.Security is null)
            {
                wrong.Add($"{id}: no security requirement");
            }

            foreach (var (status, response) in (operation.Responses ?? []).Where(r => r.Key.StartsWith('4')))
            {
                if (response.Content is null || !response.Content.TryGetValue("application/problem+json", out var problemJson) || !problemJson.Schema.RefersTo("ProblemDetails"))
                {
                    wrong.Add($"{id}: {status} is not problem details");
                }
            }
        }

        Assert.Empty(wrong);
        string[] Roles(string id) => (operations[id].Security ?? [])
            .SelectMany(r => r.Single(scheme => scheme.Key.Reference.Id == "bearer").Value).Order(StringComparer.Ordinal).ToArray();
        string[] Responses(string id) => (operations[id].Responses ?? []).Keys.ToArray();

        Assert.Empty(Roles("Health"));
        Assert.Equal(["provider-admin"], Roles("CreateInvite"));
        Assert.Equal(["provider-admin", "reseller-admin"], Roles("ListCustomers"));
        Assert.Superset(new HashSet<string> { "400", "401", "403", "404", "412", "415", "428" }, Responses("UpdateSubscription").ToHashSet());
        Assert.Superset(new HashSet<string> { "400", "401", "403", "415", "422", "429" }, Responses("CreateInvite").ToHashSet());
        Assert.Superset(new HashSet<string> { "401", "403", "404", "410" }, Responses("GetOrderSetupInfo").ToHashSet());
        var example = operations["CreateInvite"].RequestBody?.Content?["application/json"].Example;
        Assert.Equal("Fabrikam", example.Deserialize<Tier2.Functions.Invites.CreateInviteRequest>(AppJson.Options)?.CompanyName);
    }

    /// <summary>
    /// The document says what the server does: a request field is required when the handler needs it (and then never
    /// null), optional and nullable otherwise; numbers are numbers; any JSON takes null; a 428 makes If-Match required;
    /// every answer that carries an ETag declares it; every parameter is described, filters list their values.
    /// </summary>
    [Fact]
    public async Task The_openapi_document_says_what_the_server_accepts_and_answers()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetOpenApiDocumentAsync();
        var invite = document.Schema("CreateInviteRequest");
        Assert.Equal(["delivery", "email"], (invite.Required ?? new HashSet<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(JsonSchemaType.String, invite.Property("email").Type);
        Assert.Equal(JsonSchemaType.Null | JsonSchemaType.String, invite.Property("message").Type);
        Assert.True(document.Schema("UpdateSubscriptionRequest").Required is null or { Count: 0 }, "every field of a subscription change is optional");

        var wrong = new List<string>();
        foreach (var (name, schema) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            foreach (var (propertyName, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                var types = TypesWithin(property);
                if (types.HasFlag(JsonSchemaType.String) && (types.HasFlag(JsonSchemaType.Integer) || types.HasFlag(JsonSchemaType.Number)))
                {
                    wrong.Add($"{name}.{propertyName} is a number or a string");
                }

                if ((property.OneOf ?? []).Any(s => s is OpenApiSchemaReference r && r.Reference.Id?.Contains("JsonElement", StringComparison.Ordinal) == true))
                {
                    wrong.Add($"{name}.{propertyName} refuses a real null (oneOf null or any)");
                }
            }
        }

        var operations = document.Operations();
        foreach (var (id, operation) in operations)
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (string.IsNullOrWhiteSpace(parameter.Description))
                {
                    wrong.Add($"{id}: parameter {parameter.Name} has no description");
                }
            }

            var answers428 = operation.Responses?.ContainsKey("428") == true;
            var ifMatch = operation.Parameters?.FirstOrDefault(p => p.Name == "If-Match");
            if (answers428 && ifMatch is not { Required: true })
            {
                wrong.Add($"{id}: answers 428 yet If-Match is optional");
            }
        }

        Assert.Empty(wrong);
        bool DeclaresETag(string id, string status) => operations[id].Responses?[status].Headers?.ContainsKey("ETag") == true;
        Assert.All(new[] { ("CreateOrder", "201"), ("CreateOrder", "200"), ("GetCustomer", "200"), ("SuspendReseller", "200"), ("ReactivateReseller", "200"), ("CreateSubscription", "201"), ("CreateSubscription", "200"), ("GetOrder", "200") },
            answer => Assert.True(DeclaresETag(answer.Item1, answer.Item2), $"{answer.Item1} {answer.Item2} declares its ETag"));

        Assert.Contains("Draft", operations["ListOrders"].Parameter("status").Schema.EnumValues());
        Assert.Contains("Suspended", operations["ListResellers"].Parameter("status").Schema.EnumValues());
        Assert.Contains("subscription", operations["ListAudit"].Parameter("entity").Schema.EnumValues());
        var pageSize = operations["ListOrders"].Parameter("pageSize").Schema;
        Assert.Equal(("1", "100"), (pageSize?.Minimum, pageSize?.Maximum));
        Assert.Contains("same filters", operations["ListOrders"].Parameter("continuationToken").Description, StringComparison.Ordinal);
        var events = operations["RaiseOrchestrationEvent"].RequestBody;
        Assert.False(events?.Required == true, "an event's data is optional");
        Assert.True(events?.Content?.ContainsKey("application/json") == true, "an event's data is JSON");
    }

    [Fact]
    public async Task A_number_sent_as_a_string_is_400_as_the_document_types_it_integer()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.ClientAs();
        using var response = await client.PostAsync(new Uri("/api/orders", UriKind.Relative),
            new StringContent("""{"lineItems": [{"offerId": "m365-business-premium", "quantity": "20"}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("$.lineItems[0].quantity", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Redocly's recommended ruleset (redocly.yaml at the repository root), pinned in package-lock.json and run offline
    /// from node_modules: the served document has no error, and the problems are printed when it does.
    /// </summary>
    [Fact]
    public async Task The_openapi_document_passes_redocly_lint()
    {
        await using var app = await TestApp.StartAsync();
        var folder = await WriteDocumentAsync(app);
        var (exit, report) = await RunNodeToolAsync("redocly", ["lint", Path.Combine(folder, "openapi.json"), "--config", Path.Combine(Repository.Root, "redocly.yaml"), "--format", "codeframe"], folder);
        Assert.True(exit == 0, $"redocly lint failed (exit {exit}); the document is kept at {folder}:\n{report}");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// The client a portal generates: openapi-typescript (pinned in package-lock.json) turns the served document into
    /// types, and tsc in strict mode checks every request body the README and scripts/demo.sh send against the type of
    /// the operation it goes to. The bodies are read from those files, so the docs and the contract cannot drift apart.
    /// </summary>
    [Fact]
    public async Task The_generated_typescript_client_accepts_every_request_body_of_the_readme_and_the_demo()
    {
        var requests = DocumentedRequests.Readme(Path.Combine(Repository.Root, "README.md"))
            .Concat(DocumentedRequests.Demo(Path.Combine(Repository.Root, "scripts", "demo.sh"))).ToList();
        Assert.True(requests.Count(r => r.Source.StartsWith("README", StringComparison.Ordinal)) >= 4, "the README's four example bodies are found");
        Assert.True(requests.Count(r => r.Source.StartsWith("scripts", StringComparison.Ordinal)) >= 3, "the demo's three request bodies are found");

        await using var app = await TestApp.StartAsync();
        var folder = await WriteDocumentAsync(app);
        var (generated, generation) = await RunNodeToolAsync("openapi-typescript", ["openapi.json", "--output", "tier2.ts"], folder);
        Assert.True(generated == 0, $"openapi-typescript failed (exit {generated}); the document is kept at {folder}:\n{generation}");

        var document = await OpenApiDocuments.LoadAsync(await File.ReadAllBytesAsync(Path.Combine(folder, "openapi.json")));
        var templates = document.Paths
            .Select(p => (Template: p.Key, Methods: (p.Value.Operations ?? []).Keys.Select(m => m.Method.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal))).ToList();
        var checks = new StringBuilder("import type { paths } from \"./tier2\";\n")
            .Append("type JsonBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody: { content: { \"application/json\": infer B } } } ? B : never;\n");
        var unmatched = new List<string>();
        foreach (var (request, index) in requests.Select((r, i) => (r, i)))
        {
            var wellFormed = Record.Exception(() => JsonDocument.Parse(request.Body).Dispose());
            Assert.True(wellFormed is null, $"{request.Source}: the body is not JSON ({wellFormed?.Message}):\n{request.Body}");
            var method = request.Method.ToLowerInvariant();
            var path = "/" + HostJson.RoutePrefix + request.Path;
            // The most literal template that serves the method (/resellers/invites before /resellers/{resellerId}).
            var template = templates.Where(t => t.Methods.Contains(method) && TemplatePattern(t.Template).IsMatch(path))
                .OrderBy(t => t.Template.Count(c => c == '{')).Select(t => t.Template).FirstOrDefault();
            if (template is null)
            {
                unmatched.Add($"{request.Source}: {request.Method} {request.Path}");
                continue;
            }

            checks.Append(CultureInfo.InvariantCulture, $"// {request.Source}: {request.Method} {request.Path}\n")
                .Append(CultureInfo.InvariantCulture, $"export const body{index}: JsonBody<\"{template}\", \"{method}\"> = {request.Body};\n");
        }

        Assert.Empty(unmatched);
        await File.WriteAllTextAsync(Path.Combine(folder, "documented-requests.ts"), checks.ToString());
        var (exit, report) = await RunNodeToolAsync("tsc", ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "documented-requests.ts"], folder);
        Assert.True(exit == 0, $"a documented request body does not type-check against the generated client (exit {exit}); the files are kept at {folder}:\n{report}");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Every type a property's schema admits, its inline subschemas included (a reference is checked where it is defined).</summary>
    private static JsonSchemaType TypesWithin(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchemaReference)
        {
            return default;
        }

        var inline = new[] { schema.Items, schema.AdditionalProperties, schema.Not }
            .Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? []).Concat(schema.Properties?.Values ?? []);
        return inline.OfType<IOpenApiSchema>().Aggregate(schema.Type ?? default, (types, subschema) => types | TypesWithin(subschema));
    }

    /// <summary>
    /// The problems the Partner Center operations answer (the customer import, the relationship request link, the event
    /// receiver, the connection status) are in the document, so the client a portal generates types each of them as
    /// problem details: tsc refuses a problem for a status the document leaves out.
    /// </summary>
    [Fact]
    public async Task The_generated_typescript_client_types_every_problem_the_partner_center_operations_answer()
    {
        (string Path, string Method, int[] Statuses)[] answered =
        [
            ("/api/resellers/{id}/customers/import", "post", [400, 401, 403, 404, 409, 503]),
            ("/api/resellers/{id}/customers/import", "get", [400, 401, 403, 404]),
            ("/api/resellers/{id}/relationship-request", "get", [400, 401, 403, 404, 409, 422, 502, 503]),
            ("/api/partner-center/events", "post", [400, 401, 413, 415, 503]),
            ("/api/partner-center/connection", "get", [401, 403]),
        ];
        await using var app = await TestApp.StartAsync();
        var folder = await WriteDocumentAsync(app);
        var (generated, generation) = await RunNodeToolAsync("openapi-typescript", ["openapi.json", "--output", "tier2.ts"], folder);
        Assert.True(generated == 0, $"openapi-typescript failed (exit {generated}); the document is kept at {folder}:\n{generation}");
        var checks = new StringBuilder("import type { paths } from \"./tier2\";\n")
            .Append("type Problem<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends { responses: { [K in S]: { content: { \"application/problem+json\": infer B } } } } ? B : never;\n");
        foreach (var ((path, method, statuses), index) in answered.Select((a, i) => (a, i)))
        {
            foreach (var status in statuses)
            {
                checks.Append(CultureInfo.InvariantCulture, $"export const problem{index}_{status}: Problem<\"{path}\", \"{method}\", {status}> = {{ type: \"urn:tier2:problem:x\", title: \"Problem.\", status: {status} }};\n");
            }
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "problems.ts"), checks.ToString());
        var (exit, report) = await RunNodeToolAsync("tsc", ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "problems.ts"], folder);
        Assert.True(exit == 0, $"a problem an operation answers is not typed by the generated client (exit {exit}); the files are kept at {folder}:\n{report}");
        Directory.Delete(folder, recursive: true);
    }

    private static Regex TemplatePattern(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?}", "[^/]+") + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>The served document as openapi.json in a folder of its own (kept when a check of it fails).</summary>
    private static async Task<string> WriteDocumentAsync(TestApp app)
    {
        var json = await app.Client.GetStringAsync(new Uri("/api/openapi.json", UriKind.Relative));
        var folder = Directory.CreateTempSubdirectory("tier2-openapi-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "openapi.json"), json);
        return folder;
    }

    /// <summary>A tool of node_modules/.bin (npm ci at the repository root installs them; scripts/test.sh does), run offline and quiet.</summary>
    private async Task<(int ExitCode, string Report)> RunNodeToolAsync(string tool, IEnumerable<string> arguments, string workingDirectory)
    {
        var path = Path.Combine(Repository.Root, "node_modules", ".bin", tool);
        Assert.True(File.Exists(path), $"{path} is missing: run npm ci at the repository root (scripts/test.sh does).");
        var start = new ProcessStartInfo(path, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No telemetry, no update check, no colour codes in the report.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var report = await stdout + await errors;
        output.WriteLine(report);
        return (process.ExitCode, report);
    }
}
