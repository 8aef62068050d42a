using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Tier2.Functions.Storage;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// The Partner Center connector's services: settings (validated at start when enabled), the connection store and its
/// refresh-token vault, tokens, and the typed client on IHttpClientFactory with its handlers, outermost first:
/// retries with back-off (Microsoft.Extensions.Http.Resilience: 429 honours Retry-After; 408, 5xx, network failures and
/// attempt timeouts are retried with jitter; other 4xx are answers) and the attempt timeout, then the token, then the
/// client-side rate limit (inside the retries: every attempt counts).
/// </summary>
public static class PartnerCenterFeature
{
    /// <summary>
    /// The Key Vault connection's settings (<c>PartnerCenter__RefreshTokenVault__credential</c>, <c>__clientId</c>): a
    /// section of its own because <c>PartnerCenter__ClientId</c> is the app registration's, and configuration keys
    /// ignore case, so <c>PartnerCenter__clientId</c> could not also name the managed identity.
    /// </summary>
    public const string RefreshTokenVaultConnection = "RefreshTokenVault";

    public static IServiceCollection AddPartnerCenter(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(PartnerCenterOptions.Section);
        services.AddOptions<PartnerCenterOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PartnerCenterOptions>, PartnerCenterOptionsValidator>();
        services.AddStorageResource(StorageResourceKind.Table, PartnerCenterConnectionStore.TableName);
        services.AddSingleton<IRefreshTokenVault>(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<PartnerCenterOptions>>().Value;
            return settings.IsEnabled && settings.KeyVault is { } vault
                ? new KeyVaultRefreshTokenVault(new SecretClient(vault, sp.GetService<TokenCredential>() ?? Tier2.Connections.ConnectionCredential.For(section.GetSection(RefreshTokenVaultConnection))), settings.RefreshTokenSecretName)
                : new DataProtectionRefreshTokenVault(sp.GetRequiredService<IDataProtectionProvider>());
        });
        services.AddSingleton<PartnerCenterConnectionStore>();
        services.AddSingleton<PartnerCenterTokens>();
        services.AddSingleton<PartnerCenterRateLimiter>();
        services.AddSingleton<PartnerCenterReferenceCache>();
        services.AddSingleton<PartnerCenterConnectionCheck>();
        services.AddTransient<PartnerCenterAuthHandler>();
        services.AddTransient<PartnerCenterRateLimitHandler>();

        services.AddHttpClient(PartnerCenterTokens.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("partner-center-token", (builder, context) =>
            {
                Retries(builder, context);
                AttemptTimeout(builder, context);
            });

        // Outermost first: retries; the token; the rate limit, as close to the wire as it can be (each attempt takes
        // a permit right before it goes, so retries count too and nothing queued elsewhere bunches up behind it);
        // then the attempt timeout, which starts once the permit is held: time queued behind the limit in a burst is
        // not a slow attempt and must not be retried as one.
        var client = services.AddHttpClient<PartnerCenterClient>(c => c.Timeout = Timeout.InfiniteTimeSpan);
        client.AddResilienceHandler("partner-center", Retries);
        client.AddHttpMessageHandler<PartnerCenterAuthHandler>();
        client.AddHttpMessageHandler<PartnerCenterRateLimitHandler>();
        client.AddResilienceHandler("partner-center-attempt", AttemptTimeout);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(PartnerCenterApiJsonContext.Default));
        return services;
    }

    private static void Retries(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var settings = context.ServiceProvider.GetRequiredService<IOptions<PartnerCenterOptions>>().Value;
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                // The defaults handle what is worth retrying: 408, 429, 5xx, HttpRequestException and the attempt timeout.
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
                ShouldRetryAfterHeader = true,
            });
        }
    }

    private static void AttemptTimeout(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context) =>
        builder.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<PartnerCenterOptions>>().Value.AttemptTimeout);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(PartnerCenterConnectStart))]
[System.Text.Json.Serialization.JsonSerializable(typeof(PartnerCenterConnectionStatus))]
internal sealed partial class PartnerCenterApiJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
