using Tier2.Functions.Hosting;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class OpenApiTests
{
    [Fact]
    public async Task The_openapi_document_describes_every_json_http_function_of_the_catalog()
    {
        await using var app = await TestApp.StartAsync();
        var document = await app.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/openapi.json", UriKind.Relative));
        var paths = document.GetProperty("paths");
        var htmlPages = new[] { "InvitePage", "InvitePageRespond", "OpenApiDocument" };

        var missing = new List<string>();
        foreach (var function in app.Services.GetRequiredService<FunctionCatalog>().Functions)
        {
            if (function.Trigger is not HttpTrigger http || htmlPages.Contains(function.Name))
            {
                continue;
            }

            var path = "/api/" + http.Route;
            foreach (var method in http.Methods)
            {
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out _))
                {
                    missing.Add($"{function.Name}: {method} {path}");
                }
            }
        }

        Assert.Empty(missing);
    }
}
