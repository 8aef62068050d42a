using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Security;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Hosting;

/// <summary>What every feature stands on: settings, storage, auth, problem details, telemetry and the HTTP function runner.</summary>
public static class HostingSetup
{
    public static IHostApplicationBuilder AddTier2Hosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<AppOptions>().Bind(configuration.GetSection(AppOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AppOptions>, AppOptionsValidator>();

        // Every log line carries the trace id (the correlation id clients see in problem details and X-Correlation-Id).
        builder.Logging.AddConsole(o => o.FormatterName = CorrelatedConsoleFormatter.Name)
            .AddConsoleFormatter<CorrelatedConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();

        services.AddTier2Storage(configuration);
        services.AddSingleton(new HttpFunctionCatalog(typeof(HostingSetup).Assembly));
        services.AddSingleton<HttpFunctionRunner>();
        services.AddTier2Problems();
        // A number is a JSON number: the web defaults would also read "25" as 25, which the OpenAPI document would
        // then have to type as number-or-string for every client.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        services.AddTier2DataProtection(configuration);
        services.AddAntiforgery(options =>
        {
            // The invite page is the only form; its cookie is scoped to it and never sent cross-site.
            options.Cookie.Name = "tier2-invite-af";
            options.Cookie.Path = "/" + HostJson.RoutePrefix + "/" + Invites.InvitePage.PathSegment;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__af";
            options.SuppressXFrameOptionsHeader = true;
        });
        services.AddTier2Auth(configuration);
        services.AddTier2Telemetry(configuration);
        services.AddTier2OpenApi();
        return builder;
    }

    /// <summary>Settings problems stop the app with one line per problem, each naming its setting.</summary>
    public static bool TryReportConfigurationError(Exception exception, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
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
