using Microsoft.AspNetCore.Http.HttpResults;

namespace Tier2.LocalPartnerCenter;

/// <summary>The control surface for a server running as a process (scripts, engine tests' hosts), mirroring the in-process
/// members of <see cref="LocalPartnerCenter"/>. Local only: no token is asked for.</summary>
internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder admin = app.MapGroup("/_local");
        admin.MapGet("/endpoints", (HttpRequest request, LocalPartnerCenterOptions options) =>
        {
            string root = $"{request.Scheme}://{request.Host}";
            return TypedResults.Json(new LocalEndpoints(root, $"{root}/{options.ProviderTenantId}/oauth2/token",
                $"{root}/{options.ProviderTenantId}/oauth2/authorize", options.ProviderTenantId, options.ClientId,
                options.WebhookSigningOrganization, root + WebhookSigning.RootPath), PartnerCenterJson.Default.LocalEndpoints);
        });
        admin.MapGet("/state", (PartnerCenterState state) =>
        {
            lock (state.Gate)
            {
                return TypedResults.Json(state.Counts(), PartnerCenterJson.Default.LocalCounts);
            }
        });
        admin.MapGet("/requests", (string? path, RequestLog log) => TypedResults.Json(
            (IReadOnlyList<SeenRequest>)[.. log.Requests.Where(r => path is null || string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase))],
            PartnerCenterJson.Default.IReadOnlyListSeenRequest));
        admin.MapGet("/patches", (RequestLog log) => TypedResults.Json(log.Patches, PartnerCenterJson.Default.IReadOnlyListReceivedPatch));
        admin.MapPost("/faults", ArmFault);
        admin.MapDelete("/faults", (FaultBook faults) =>
        {
            faults.Clear();
            return TypedResults.NoContent();
        });
        admin.MapPost("/resellers", SeedReseller);
        admin.MapDelete("/resellers/{tenantId}", (string tenantId, PartnerCenterState state) =>
        {
            lock (state.Gate)
            {
                return state.RemoveReseller(tenantId) ? Results.NoContent() : Results.NotFound();
            }
        });
        admin.MapPost("/customers", SeedCustomer);
        admin.MapPost("/domains", (TakenDomain domain, PartnerCenterState state) =>
        {
            lock (state.Gate)
            {
                state.TakenDomains.Add(ValidationEndpoints.NormalizeDomain(domain.Domain));
            }

            return TypedResults.NoContent();
        });
        admin.MapPost("/refresh-tokens", (TokenStore tokens) => TypedResults.Json(tokens.IssueRefreshToken(), PartnerCenterJson.Default.IssuedRefreshToken));
        admin.MapPost("/refresh-tokens/revoke", (RevokeRefreshTokens revoke, TokenStore tokens) => TypedResults.Ok(tokens.Revoke(revoke.RefreshToken)));
        admin.MapPut("/settings", ChangeSettings);
    }

    private static IResult ArmFault(FaultSpec fault, FaultBook faults)
    {
        try
        {
            faults.Arm(fault);
            return TypedResults.NoContent();
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 400);
        }
    }

    private static IResult SeedReseller(SeededReseller reseller, PartnerCenterState state)
    {
        if (string.IsNullOrWhiteSpace(reseller.MpnId) || string.IsNullOrWhiteSpace(reseller.Name))
        {
            return TypedResults.Problem("mpnId and name are required.", statusCode: 400);
        }

        lock (state.Gate)
        {
            ResellerRecord seeded = state.SeedReseller(reseller);
            return TypedResults.Json(seeded.ToRelationship(), PartnerCenterJson.Default.PartnerRelationship, statusCode: 201);
        }
    }

    private static IResult SeedCustomer(SeededCustomer customer, PartnerCenterState state)
    {
        if (string.IsNullOrWhiteSpace(customer.ResellerTenantId) || string.IsNullOrWhiteSpace(customer.CompanyName) || string.IsNullOrWhiteSpace(customer.Domain))
        {
            return TypedResults.Problem("resellerTenantId, companyName and domain are required.", statusCode: 400);
        }

        lock (state.Gate)
        {
            return TypedResults.Json(state.SeedCustomer(customer), PartnerCenterJson.Default.Customer, statusCode: 201);
        }
    }

    private static NoContent ChangeSettings(LocalSettings settings, LocalPartnerCenterOptions options)
    {
        static TimeSpan? Ms(double? ms) => ms is double v ? TimeSpan.FromMilliseconds(v) : null;
        options.Latency = Ms(settings.LatencyMs) ?? options.Latency;
        options.ProvisioningDelay = Ms(settings.ProvisioningDelayMs) ?? options.ProvisioningDelay;
        options.CheckoutProcessingTime = Ms(settings.CheckoutProcessingMs) ?? options.CheckoutProcessingTime;
        options.RateLimitPerTenant = settings.RateLimitPerTenant ?? options.RateLimitPerTenant;
        options.RateLimitWindow = settings.RateLimitWindowSeconds is double w ? TimeSpan.FromSeconds(w) : options.RateLimitWindow;
        options.SandboxLimits = settings.SandboxLimits ?? options.SandboxLimits;
        options.RefreshTokenLifetime = settings.RefreshTokenLifetimeSeconds is double r ? TimeSpan.FromSeconds(r) : options.RefreshTokenLifetime;
        options.SlowSubscriptionChanges = settings.SlowSubscriptionChanges ?? options.SlowSubscriptionChanges;
        options.RefuseSupportContactForNce = settings.RefuseSupportContactForNce ?? options.RefuseSupportContactForNce;
        options.RelationshipRequestShape = settings.RelationshipRequestShape ?? options.RelationshipRequestShape;
        return TypedResults.NoContent();
    }
}
