using Microsoft.Extensions.Options;
using Tier2.Durable.Queues;
using Tier2.Functions.Auth;
using Tier2.Functions.Security;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Hosting;

/// <summary>What every feature stands on: settings, storage, auth, problem details, telemetry, the function catalog and its triggers.</summary>
public static class HostingSetup
{
    public const string DefaultStandaloneUrl = "http://localhost:7071";

    public static WebApplicationBuilder AddTier2Hosting(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var mode = HostMode.From(configuration);
        services.AddSingleton(mode);
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<AppOptions>().Bind(configuration.GetSection(AppOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AppOptions>, AppOptionsValidator>();

        var maxBodySetting = configuration["Tier2:MaxRequestBodyBytes"];
        long maxBody = new AppOptions().MaxRequestBodyBytes;
        if (!string.IsNullOrWhiteSpace(maxBodySetting) && !long.TryParse(maxBodySetting, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out maxBody))
        {
            throw new InvalidOperationException($"Setting 'Tier2__MaxRequestBodyBytes' must be a whole number of bytes, not '{maxBodySetting}'.");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxBody;
            if (mode.CustomHandlerPort is { } port)
            {
                // Under the Functions host: listen where the host forwards to, and nowhere else.
                kestrel.ListenLocalhost(port);
            }
        });
        if (!mode.UnderFunctionsHost && string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(configuration["URLS"]))
        {
            builder.WebHost.UseUrls(DefaultStandaloneUrl);
        }

        // Every log line carries the trace id (the correlation id clients see in problem details and X-Correlation-Id).
        builder.Logging.AddConsole(o => o.FormatterName = CorrelatedConsoleFormatter.Name)
            .AddConsoleFormatter<CorrelatedConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();

        services.AddTier2Storage(configuration);
        services.AddSingleton(HostJsonQueueSettings.Load(configuration));
        services.AddSingleton<FunctionCatalog>();
        services.AddSingleton<HostInvoker>();
        services.AddSingleton<StandaloneTriggers>();
        services.AddSingleton<IQueueWakeUp>(sp => sp.GetRequiredService<StandaloneTriggers>());
        services.AddHostedService(sp => sp.GetRequiredService<StandaloneTriggers>());

        services.AddTier2Problems();
        services.AddTier2DataProtection(configuration);
        services.AddAntiforgery(options =>
        {
            // The invite page is the only form; its cookie is scoped to it and never sent cross-site.
            options.Cookie.Name = "tier2-invite-af";
            options.Cookie.Path = "/" + FunctionMap.RoutePrefix + "/invite";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__af";
            options.SuppressXFrameOptionsHeader = true;
        });
        services.AddTier2Auth(configuration);
        services.AddTier2Telemetry(configuration);
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Tier2 API";
            document.Info.Description = "Indirect provider backend: reseller partnerships, customers, orders and subscriptions.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static FunctionMap UseTier2Hosting(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            // The correlation id of a request is its W3C trace id: it follows the request into the orchestrations
            // it starts, their activities and the emails they send.
            if (System.Diagnostics.Activity.Current is { } activity)
            {
                context.Response.Headers["X-Correlation-Id"] = activity.TraceId.ToString();
            }

            return next(context);
        });
        if (app.Configuration["Tier2:PublicBaseUrl"]?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Under the Functions host Kestrel receives plain http from the host, which terminated TLS. The scheme
            // the public sees is the configured one (never a header a client could forge): cookies get Secure.
            app.Use(static (context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
        }

        app.UseExceptionHandler();
        app.Use(static async (context, next) =>
        {
            // Storage is set up in the background (fast cold start); work waits for it. Health answers at once.
            var readiness = context.RequestServices.GetRequiredService<StorageReadiness>();
            if (!readiness.IsReady && !context.Request.Path.StartsWithSegments("/" + FunctionMap.RoutePrefix + "/health", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    await readiness.Ready.WaitAsync(TimeSpan.FromSeconds(20), context.RequestAborted);
                }
                catch (TimeoutException)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "5";
                    await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context,
                        ProblemDetails = { Status = 503, Type = ProblemTypes.Unavailable, Title = "Starting.", Detail = "Storage is not ready yet; retry shortly." },
                    });
                    return;
                }
            }

            await next(context);
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        var functions = new FunctionMap(app);
        functions.AnonymousEndpoint("OpenApiDocument", "openapi.json", [HttpMethods.Get], static (endpoints, pattern) => endpoints.MapOpenApi(pattern));
        return functions;
    }

    /// <summary>Settings problems stop the app with one line per problem, each naming its setting.</summary>
    public static bool TryReportConfigurationError(Exception exception, TextWriter error)
    {
        switch (exception)
        {
            case AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException or InvalidOperationException or ArgumentException or FormatException):
                return aggregate.InnerExceptions.Select(e => TryReportConfigurationError(e, error)).ToList().TrueForAll(reported => reported);
            case OptionsValidationException options:
                foreach (var failure in options.Failures)
                {
                    error.WriteLine($"Configuration error: {failure}");
                }

                return true;
            case InvalidOperationException or ArgumentException or FormatException when exception.Message.Contains("Setting '", StringComparison.Ordinal):
                error.WriteLine($"Configuration error: {exception.Message}");
                return true;
            default:
                return false;
        }
    }
}
