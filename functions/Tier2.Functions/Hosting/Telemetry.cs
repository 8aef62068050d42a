using Azure.Monitor.OpenTelemetry.Exporter;
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

    public static IServiceCollection AddTier2Telemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var console = configuration.GetValue("Telemetry:Console", false);
        if (string.IsNullOrWhiteSpace(appInsights) && !console)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("tier2-functions"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(SourceName).AddSource("Tier2.Durable").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                }
                else
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SourceName).AddMeter("Tier2.Durable").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                }
                else
                {
                    metrics.AddConsoleExporter();
                }
            });
        return services;
    }
}
