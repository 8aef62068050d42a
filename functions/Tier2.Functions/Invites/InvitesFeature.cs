using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

public static class InvitesFeature
{
    public static IServiceCollection AddInvites(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InviteOptions>().Bind(configuration.GetSection(InviteOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InviteOptions>, InviteOptionsValidator>();
        services.AddSingleton<InviteStore>();
        services.AddSingleton<InviteTokens>();
        services.AddSingleton<InviteEmails>();
        services.AddSingleton<InviteActivities>();
        services.AddStorageResource(StorageResourceKind.Table, InviteStore.TableName);
        services.AddSingleton<Email.SentEmailLedger>();
        services.AddStorageResource(StorageResourceKind.Table, Email.SentEmailLedger.TableName);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(InvitesJsonContext.Default));

        // Per provider admin, so one runaway script cannot flood resellers' inboxes. In-memory per instance.
        services.AddHttpRateLimit(InviteEndpoints.CreateRateLimitPolicy, sp =>
        {
            var perMinute = sp.GetRequiredService<IOptions<InviteOptions>>().Value.CreatePerMinute;
            return PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(http.User.Actor(), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        });
        return services;
    }
}
