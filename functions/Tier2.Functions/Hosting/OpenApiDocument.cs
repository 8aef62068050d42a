using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Azure.Functions.Worker;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;

namespace Tier2.Functions.Hosting;

/// <summary>
/// The OpenAPI document of every HTTP function, generated from the code: ASP.NET Core's OpenAPI generator reads the
/// functions as endpoints (route, methods, the handler's parameters and typed results, the function's policies and
/// summaries), so the document cannot drift from what the functions do.
/// </summary>
public static class OpenApiDocument
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddTier2OpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        // The API explorer reads endpoints from the DI EndpointDataSource: make it the app's HTTP functions, whichever
        // host runs them (the Functions host's worker maps no endpoints of its own).
        services.AddSingleton<EndpointDataSource>(sp => new DefaultEndpointDataSource(sp.GetRequiredService<HttpFunctionRunner>().Endpoints(HostJson.RoutePrefix)));
        // Security, roles, problem responses and descriptions from each function's metadata: OpenApi/OpenApiContract.cs.
        services.AddOpenApi(DocumentName, options => options.AddTier2Contract());
        return services;
    }

    [Function(nameof(GetOpenApiDocument))]
    [HttpHandler(nameof(WriteAsync))]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult GetOpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<IResult> WriteAsync([FromKeyedServices(DocumentName)] IOpenApiDocumentProvider provider, CancellationToken cancellationToken)
    {
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        document.SerializeAsV31(new Microsoft.OpenApi.OpenApiJsonWriter(writer));
        return TypedResults.Text(writer.ToString(), "application/json; charset=utf-8");
    }
}
