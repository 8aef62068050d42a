using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

public sealed class OpenApiTests
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
}
