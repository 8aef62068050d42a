using Microsoft.AspNetCore.Builder;

namespace Tier2.LocalPartnerCenter;

/// <summary>Builds the web app both ways of running share (in-process for tests, a process for scripts).</summary>
internal static class LocalPartnerCenterApp
{
    public static WebApplication Build(LocalPartnerCenterOptions options, string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        // One JSON contract for everything: camelCase out, case-insensitive in, nulls left out.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, PartnerCenterJson.Default));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(Catalog.Load());
        builder.Services.AddSingleton<PartnerCenterState>();
        builder.Services.AddSingleton<TokenStore>();
        builder.Services.AddSingleton<FaultBook>();
        builder.Services.AddSingleton<RateLimiter>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<WebhookSigning>();
        builder.Services.AddSingleton<WebhookDelivery>();

        WebApplication app = builder.Build();
        app.UseWhen(context => ApiPipeline.IsApiPath(context.Request.Path), api => api.Use(ApiPipeline.InvokeAsync));
        app.MapTokenEndpoints();
        RouteGroupBuilder v1 = app.MapGroup("/v1");
        v1.MapResellerEndpoints();
        v1.MapValidationEndpoints();
        v1.MapCustomerEndpoints();
        v1.MapAgreementEndpoints();
        v1.MapCatalogEndpoints();
        v1.MapCartEndpoints();
        v1.MapOrderEndpoints();
        v1.MapSubscriptionEndpoints();
        app.MapAuditEndpoints();
        app.MapWebhookEndpoints();
        app.MapAdminEndpoints();
        app.MapFallback((HttpContext context) => ApiPipeline.IsApiPath(context.Request.Path)
            ? PartnerCenterErrors.NotFound($"{context.Request.Method} {context.Request.Path} (not modelled by the local Partner Center)")
            : Results.NotFound());
        return app;
    }
}
