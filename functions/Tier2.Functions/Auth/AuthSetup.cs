using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Tier2.Functions.Auth;

public static class AuthSetup
{
    public static IServiceCollection AddTier2Auth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<DevelopmentTokenIssuer>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));

        // The default policy (what a function without [Authorize(Policy = ...)] or [AllowAnonymous] requires; the HTTP
        // function runner applies it): a provider admin, or a reseller admin that names its reseller. It is not a
        // fallback policy: that would be middleware's to apply, and no middleware runs around Tier2's functions.
        var anyAdmin = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => ctx.User.IsInRole(Roles.ProviderAdmin)
                || (ctx.User.IsInRole(Roles.ResellerAdmin) && !string.IsNullOrEmpty(ctx.User.FindFirst(Roles.ResellerIdClaim)?.Value)))
            .AddRequirements(new ActiveResellerRequirement())
            .Build();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, ActiveResellerHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.ProviderAdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.ProviderAdmin))
            .AddPolicy(Roles.AnyAdminPolicy, anyAdmin)
            .SetDefaultPolicy(anyAdmin);
        return services;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            RoleClaimType = Roles.RoleClaim,
            NameClaimType = "name",
        };

        if (auth.Mode == AuthMode.EntraId)
        {
            // Multi-tenant: any Entra ID tenant's token is valid; EntraTenantPrincipal decides what its holder is to Tier2.
            jwt.Authority = auth.Authority;
            var authority = new Uri(auth.Authority!);
            jwt.TokenValidationParameters.ValidateIssuer = true;
            jwt.TokenValidationParameters.IssuerValidator = (issuer, token, _) => EntraTenantPrincipal.ValidateIssuer(issuer, token, authority);
            jwt.Events = new JwtBearerEvents { OnTokenValidated = EntraTenantPrincipal.MapAsync };
        }
        else
        {
            jwt.TokenValidationParameters.ValidateIssuer = true;
            jwt.TokenValidationParameters.ValidIssuer = auth.Issuer;
            jwt.TokenValidationParameters.ValidateIssuerSigningKey = true;
            jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(auth.SigningKeyBytes());
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
    }
}
