using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Tier2.Durable;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Orchestrations;
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
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(InvitesJsonContext.Default));
        services.AddSingleton(new DurableJson(InvitesJsonContext.Default));
        services.AddSingleton(new DurableFunctions(static (registry, sp) =>
        {
            var activities = sp.GetRequiredService<InviteActivities>();
            registry
                .AddOrchestrator<InviteWorkflowInput, InviteOutcome>(PartnershipInviteOrchestration.Name, PartnershipInviteOrchestration.RunAsync)
                .AddActivity<InviteEmailRequest, InviteStepResult>(InviteActivities.SendEmail, activities.SendEmailAsync)
                .AddActivity<string, InviteStepResult>(InviteActivities.Expire, activities.ExpireAsync)
                .AddActivity<string, InviteOutcome>(InviteActivities.ActivateReseller, activities.ActivateResellerAsync);
        }));

        // Per provider admin, so one runaway script cannot flood resellers' inboxes. In-memory per instance.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RateLimitRejection.WriteProblemAsync;
            limiter.AddPolicy(InviteEndpoints.CreateRateLimitPolicy, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<InviteOptions>>().Value.CreatePerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(http.User.Actor(), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });
        return services;
    }

    public static void MapInvitesFeature(this FunctionMap functions)
    {
        functions.MapInvites();
        functions.MapInvitePage();
    }
}
