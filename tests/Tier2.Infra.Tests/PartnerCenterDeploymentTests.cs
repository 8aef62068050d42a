using System.Text.Json.Nodes;

namespace Tier2.Infra.Tests;

/// <summary>
/// The Partner Center connector's deployment: its settings from main.bicep's parameters, the client secret as a Key
/// Vault reference, the refresh token in a vault secret the app identity writes (its role: RoleTests).
/// </summary>
public sealed class PartnerCenterDeploymentTests
{
    /// <summary>main.bicep parameter -> the app setting it becomes (through resources.bicep and functionapp.bicep unchanged).</summary>
    public static readonly IReadOnlyDictionary<string, string> ParameterSettings = new Dictionary<string, string>
    {
        ["partnerCenterMode"] = "PartnerCenter__Mode",
        ["partnerCenterTenantId"] = "PartnerCenter__TenantId",
        ["partnerCenterClientId"] = "PartnerCenter__ClientId",
        ["partnerCenterBaseUrl"] = "PartnerCenter__BaseUrl",
        ["partnerCenterTokenEndpoint"] = "PartnerCenter__TokenEndpoint",
        ["partnerCenterAuthorizeEndpoint"] = "PartnerCenter__AuthorizeEndpoint",
    };

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_partner_center_settings_come_from_main_parameters(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var resource = FunctionAppTests.AppSettingsResource(parameterFile);
        var settings = FunctionAppTests.AppSettings(parameterFile);
        foreach (var (parameter, setting) in ParameterSettings)
        {
            Assert.True(template.Template["parameters"]?[parameter] is not null, $"main.bicep declares {parameter}");
            // The setting is the functionapp.bicep parameter of the same name, passed down by resources.bicep.
            Assert.Equal($"[parameters('{parameter}')]", settings[setting]?.GetValue<string>());
            var passed = ModuleParameter(template, "app", parameter);
            Assert.Contains($"parameters('{parameter}')", passed, StringComparison.Ordinal);
        }

        // Mode and client id pass through untouched.
        Assert.Equal("partnerCenterMode", template.MainParameterBehind(resource, settings["PartnerCenter__Mode"]));
        Assert.Equal("partnerCenterClientId", template.MainParameterBehind(resource, settings["PartnerCenter__ClientId"]));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Partner_center_is_off_unless_enabled_and_defaults_to_the_real_service(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var mode = template.Template["parameters"]!["partnerCenterMode"]!;
        Assert.Equal(["Disabled", "Enabled"], mode["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("Disabled", mode["defaultValue"]!.GetValue<string>());
        if (parameterFile.EndsWith(".bicepparam", StringComparison.Ordinal))
        {
            Assert.Equal("Disabled", template.EffectiveValue("partnerCenterMode")!.GetValue<string>());
        }

        // Empty URLs and tenant: the real service, Entra ID's v1 endpoints of this cloud ({tenant} is filled in by the
        // app), and the subscription's tenant. The integration sandbox is the same service with its own credentials.
        Assert.Contains("'https://api.partnercenter.microsoft.com'", ModuleParameter(template, "app", "partnerCenterBaseUrl"), StringComparison.Ordinal);
        Assert.Contains("format('{0}{{tenant}}/oauth2/token', environment().authentication.loginEndpoint)", ModuleParameter(template, "app", "partnerCenterTokenEndpoint"), StringComparison.Ordinal);
        Assert.Contains("format('{0}{{tenant}}/oauth2/authorize', environment().authentication.loginEndpoint)", ModuleParameter(template, "app", "partnerCenterAuthorizeEndpoint"), StringComparison.Ordinal);
        Assert.Contains("tenant().tenantId", ModuleParameter(template, "app", "partnerCenterTenantId"), StringComparison.Ordinal);
        foreach (var parameter in new[] { "partnerCenterBaseUrl", "partnerCenterTokenEndpoint", "partnerCenterAuthorizeEndpoint", "partnerCenterTenantId" })
        {
            Assert.StartsWith($"[if(empty(parameters('{parameter}'))", ModuleParameter(template, "app", parameter), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_client_secret_is_a_key_vault_reference_to_a_secret_in_the_app_vault(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var settings = FunctionAppTests.AppSettings(parameterFile);
        Assert.Equal(
            "[format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', parameters('keyVaultUri'), parameters('partnerCenterClientSecretName'))]",
            settings["PartnerCenter__ClientSecret"]!.GetValue<string>());
        Assert.Equal("[parameters('keyVaultUri')]", settings["PartnerCenter__KeyVaultUri"]!.GetValue<string>());

        // keyVaultUri is the vault's own URI (https://<vault>.vault.azure.net/, with the slash the reference needs).
        Assert.Equal("[reference('keyVault').outputs.uri.value]", ModuleParameter(template, "functionApp", "keyVaultUri"));
        var vaultModule = template.OfType("Microsoft.Resources/deployments").Single(d => d.Path.EndsWith("/keyVault", StringComparison.Ordinal));
        Assert.Equal(
            "[reference(resourceId('Microsoft.KeyVault/vaults', parameters('name')), '2025-05-01').vaultUri]",
            vaultModule.Properties["template"]!["outputs"]!["uri"]!["value"]!.GetValue<string>());

        // The client secret is a name, never a value: no deployment carries it (it is set by hand, infra/README.md),
        // and it is another secret than the refresh token the app may write.
        var clientSecretName = ModuleParameter(template, "functionApp", "partnerCenterClientSecretName");
        Assert.NotEqual(clientSecretName, ModuleParameter(template, "functionApp", "partnerCenterRefreshTokenSecretName"));
        var appModule = template.OfType("Microsoft.Resources/deployments").Single(d => d.Path == "main/app");
        var names = appModule.Properties["template"]!["variables"]!;
        Assert.Equal("partner-center-client-secret", names["partnerCenterClientSecretName"]!.GetValue<string>());
        Assert.Equal("partner-center-refresh-token", names["partnerCenterRefreshTokenSecretName"]!.GetValue<string>());

        // The platform resolves references as the app identity, which holds Key Vault Secrets User on the vault.
        Assert.Equal("[parameters('identityId')]", template.The("Microsoft.Web/sites").Properties["keyVaultReferenceIdentity"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_refresh_token_secret_is_declared_with_a_placeholder_and_written_as_the_app_identity(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        // The vault secret exists so that its role can be scoped to it; its value is a fixed placeholder, never a
        // parameter, so no refresh token goes through a deployment.
        var secret = template.The("Microsoft.KeyVault/vaults/secrets");
        Assert.Equal("not-connected", secret.Properties["value"]!.GetValue<string>());

        // The app writes it as the user-assigned identity, named in its own connection section (PartnerCenter__clientId
        // would be read as PartnerCenter__ClientId, the app registration).
        var settings = FunctionAppTests.AppSettings(parameterFile);
        Assert.Equal("managedidentity", settings["PartnerCenter__RefreshTokenVault__credential"]!.GetValue<string>());
        Assert.Equal("[parameters('identityClientId')]", settings["PartnerCenter__RefreshTokenVault__clientId"]!.GetValue<string>());
        Assert.DoesNotContain(settings, p => string.Equals(p.Key, "PartnerCenter__credential", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The value (or the whole expression) a nested deployment named <paramref name="module"/> passes as <paramref name="parameter"/>.</summary>
    internal static string ModuleParameter(CompiledTemplate template, string module, string parameter)
    {
        var deployment = template.OfType("Microsoft.Resources/deployments").Single(d => d.Path.EndsWith($"/{module}", StringComparison.Ordinal));
        var passed = deployment.Properties["parameters"]?[parameter];
        Assert.True(passed is not null, $"module {module} is given {parameter}");
        return (passed is JsonObject o ? o["value"] : passed) is JsonValue v ? v.GetValue<string>() : passed.ToJsonString();
    }
}
