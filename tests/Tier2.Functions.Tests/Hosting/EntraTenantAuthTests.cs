using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Tier2.Functions.Auth;
using Tier2.Functions.Resellers;
using Tier2.Functions.Tests.Customers;
using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Hosting;

/// <summary>
/// Sign-in by tenant (Auth__Mode EntraId, multi-tenant): the token's <c>tid</c> says who its holder is. The app runs with
/// Entra ID's validation, its signing keys given in place of the authority's metadata (no network), and the tests mint
/// tokens as Entra ID would for each tenant.
/// </summary>
public sealed class EntraTenantAuthTests : IAsyncLifetime, IDisposable
{
    private static readonly Guid ProviderTenant = Guid.NewGuid();
    private readonly RSA _rsa = RSA.Create(2048);
    private RsaSecurityKey _key = null!;
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "entra-test-key" };
        var configuration = new OpenIdConnectConfiguration();
        configuration.SigningKeys.Add(_key);
        _app = await TestApp.StartAsync(
            settings =>
            {
                settings["Auth:Mode"] = "EntraId";
                settings["Auth:Authority"] = $"https://login.microsoftonline.com/{ProviderTenant}/v2.0";
            },
            services: s => s.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
            {
                o.Configuration = configuration;
                o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            }));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _rsa.Dispose();

    [Fact]
    public async Task A_token_from_a_linked_resellers_partner_center_tenant_reads_that_resellers_own_customers()
    {
        var tenant = Guid.NewGuid();
        var reseller = await LinkedResellerAsync(tenant);

        using var client = ClientFor(tenant, Roles.ResellerAdmin);
        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(reseller.Id, await _app.Services.GetRequiredService<ResellerStore>().FindIdByTenantAsync(tenant, CancellationToken.None));
    }

    [Fact]
    public async Task A_token_from_a_tenant_that_is_no_linked_reseller_answers_403()
    {
        using var client = ClientFor(Guid.NewGuid(), Roles.ResellerAdmin);

        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_reseller_id_claim_in_an_entra_token_is_not_believed()
    {
        var reseller = await LinkedResellerAsync(Guid.NewGuid());
        using var client = ClientFor(Guid.NewGuid(), Roles.ResellerAdmin, ("reseller_id", reseller.Id));

        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Provider_admin_counts_only_from_the_providers_own_tenant()
    {
        var resellerTenant = Guid.NewGuid();
        await LinkedResellerAsync(resellerTenant);
        using var provider = ClientFor(ProviderTenant, Roles.ProviderAdmin);
        using var impostor = ClientFor(resellerTenant, Roles.ProviderAdmin);

        using var fromProvider = await provider.GetAsync(new Uri("/api/resellers", UriKind.Relative));
        using var fromReseller = await impostor.GetAsync(new Uri("/api/resellers", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, fromProvider.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fromReseller.StatusCode);
    }

    [Fact]
    public async Task A_token_whose_issuer_is_another_tenants_answers_401()
    {
        using var client = ClientFor(Guid.NewGuid(), Roles.ResellerAdmin, issuerTenant: ProviderTenant);

        using var response = await client.GetAsync(new Uri("/api/customers", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>A reseller Partner Center confirmed (as the sync imports one): linked to <paramref name="tenant"/>.</summary>
    private async Task<Reseller> LinkedResellerAsync(Guid tenant)
    {
        var standing = new PartnerCenterStanding(tenant, CustomerTestKit.NewMpn(), "Tenant Test Resellers", PartnerAgreementStatus.Accepted);
        var created = await _app.Services.GetRequiredService<ResellerStore>().CreateAsync(Reseller.Imported(standing, DateTimeOffset.UtcNow), "test", CancellationToken.None);
        return created.Reseller!;
    }

    private HttpClient ClientFor(Guid tenant, string role, (string Type, string Value)? extra = null, Guid? issuerTenant = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["tid"] = tenant.ToString(),
            [Roles.RoleClaim] = new[] { role },
        };
        if (extra is { } claim)
        {
            claims[claim.Type] = claim.Value;
        }

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = $"https://login.microsoftonline.com/{issuerTenant ?? tenant}/v2.0",
            Audience = TestApp.Audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        var client = new HttpClient { BaseAddress = _app.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
