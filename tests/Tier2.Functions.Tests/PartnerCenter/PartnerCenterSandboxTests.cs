using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tier2.Functions.Tests.PartnerCenter;

/// <summary>
/// The contract suite against Microsoft's integration sandbox, when its credentials are in the environment:
/// TIER2_PC_SANDBOX_TENANT_ID, TIER2_PC_SANDBOX_CLIENT_ID, TIER2_PC_SANDBOX_CLIENT_SECRET and
/// TIER2_PC_SANDBOX_REFRESH_TOKEN (from connecting the sandbox's integration account once). Without them the test
/// prints why and returns (xunit 2 has no dynamic skip): it passes without having checked anything.
/// </summary>
public sealed class PartnerCenterSandboxTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_contract_suite_passes_against_the_integration_sandbox_when_its_credentials_are_set()
    {
        string? Env(string name) => Environment.GetEnvironmentVariable("TIER2_PC_SANDBOX_" + name) is { Length: > 0 } value ? value : null;
        var (tenant, clientId, secret, refreshToken) = (Env("TENANT_ID"), Env("CLIENT_ID"), Env("CLIENT_SECRET"), Env("REFRESH_TOKEN"));
        if (tenant is null || clientId is null || secret is null || refreshToken is null)
        {
            output.WriteLine("Not run against the integration sandbox: set TIER2_PC_SANDBOX_TENANT_ID, _CLIENT_ID, _CLIENT_SECRET and _REFRESH_TOKEN to run it.");
            return;
        }

        await using var app = await TestApp.StartAsync(settings =>
        {
            settings["PartnerCenter:Mode"] = "Enabled";
            settings["PartnerCenter:TenantId"] = tenant;
            settings["PartnerCenter:ClientId"] = clientId;
            settings["PartnerCenter:ClientSecret"] = secret;
            if (Env("BASE_URL") is { } baseUrl)
            {
                settings["PartnerCenter:BaseUrl"] = baseUrl;
            }
        });
        await app.Services.GetRequiredService<PartnerCenterConnectionStore>().SaveConnectedAsync("sandbox", "provider-admin:sandbox-test", false, refreshToken, DateTimeOffset.UtcNow, CancellationToken.None);

        await PartnerCenterContract.RunAsync(app.Services.GetRequiredService<PartnerCenterClient>());
        output.WriteLine("Ran against the integration sandbox.");
    }
}
