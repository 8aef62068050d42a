using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Traces and metrics through OpenTelemetry: to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is
/// set, to the console otherwise (unless <c>Telemetry__Console</c> is false, as in tests).
/// </summary>
public static class Telemetry
{
    public const string SourceName = "Tier2";

    public static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    /// <summary>
    /// Continues the trace <paramref name="correlationId"/> (a W3C trace id carried in an orchestration's input) in
    /// an activity function, so its log lines and the emails it sends carry the id of the request that started it.
    /// </summary>
    public static System.Diagnostics.Activity? ContinueTrace(string name, string? correlationId)
    {
        if (correlationId is not { Length: 32 } || !correlationId.All(char.IsAsciiHexDigitLower))
        {
            return Source.StartActivity(name);
        }

        var parent = new System.Diagnostics.ActivityContext(
            System.Diagnostics.ActivityTraceId.CreateFromString(correlationId), System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.Recorded);
        return Source.StartActivity(name, System.Diagnostics.ActivityKind.Internal, parent);
    }

    public static IServiceCollection AddTier2Telemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var console = configuration.GetValue("Telemetry:Console", true);
        // Entra ID ingestion (local auth disabled on the component): the Functions convention names the identity.
        Azure.Core.TokenCredential? credential = null;
        var authentication = configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        if (authentication?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true)
        {
            var clientId = authentication.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1].Trim();
            credential = string.IsNullOrEmpty(clientId) ? new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.SystemAssigned) : new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        if (string.IsNullOrWhiteSpace(appInsights) && !console)
        {
            // No exporter: skip the OpenTelemetry SDK (it costs cold start) but still create activities, whose
            // trace ids correlate log lines, responses, orchestrations and emails.
            services.AddSingleton<CorrelationListener>();
            services.AddHostedService(sp => sp.GetRequiredService<CorrelationListener>());
            return services;
        }

        if (!string.IsNullOrWhiteSpace(appInsights))
        {
            // Log records with their trace and span ids (and scopes such as the correlation id) to Azure Monitor.
            services.AddLogging(logging => logging.AddOpenTelemetry(o =>
            {
                // Trace and span ids travel on each record; scopes stay out (the request scope holds the path, and
                // an invite link's path is a secret).
                o.IncludeScopes = false;
                o.IncludeFormattedMessage = true;
                o.AddAzureMonitorLogExporter(e =>
                {
                    e.ConnectionString = appInsights;
                    e.Credential = credential;
                });
            }));
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("tier2-functions"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(SourceName).AddSource("Microsoft.DurableTask").AddSource("DurableTask.Core").AddHttpClientInstrumentation()
                    .AddAspNetCoreInstrumentation(o => o.EnrichWithHttpRequest = static (activity, request) =>
                    {
                        // Invite links carry a bearer secret in the path: telemetry keeps the route, never the token.
                        if (Invites.InvitePage.IsInvitePath(request.Path, out var template))
                        {
                            activity.SetTag("url.path", template);
                            activity.DisplayName = request.Method + " " + template;
                        }
                    });
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(o =>
                    {
                        o.ConnectionString = appInsights;
                        o.Credential = credential;
                    });
                }
                else
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SourceName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    metrics.AddAzureMonitorMetricExporter(o =>
                    {
                        o.ConnectionString = appInsights;
                        o.Credential = credential;
                    });
                }
                else
                {
                    metrics.AddConsoleExporter();
                }
            });
        return services;
    }
}

/// <summary>Makes ASP.NET Core and Tier2 create activities (ids only, nothing recorded) when no exporter listens.</summary>
public sealed class CorrelationListener : IHostedService, IDisposable
{
    private readonly System.Diagnostics.ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name is "Microsoft.AspNetCore" || source.Name.StartsWith(Telemetry.SourceName, StringComparison.Ordinal),
        Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.PropagationData,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
