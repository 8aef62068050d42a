using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tier2.Infra.Tests;

/// <summary>Keys off, identities on, no secret anywhere, every access logged.</summary>
public sealed partial class SecurityTests
{
    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Storage_refuses_shared_key_access(string parameterFile)
    {
        var account = CompiledTemplate.For(parameterFile).The("Microsoft.Storage/storageAccounts");
        Assert.False(account.Properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(account.Properties["defaultToOAuthAuthentication"]!.GetValue<bool>());
        Assert.False(account.Properties["allowBlobPublicAccess"]!.GetValue<bool>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_communication_service_refuses_access_keys(string parameterFile)
    {
        var acs = CompiledTemplate.For(parameterFile).The("Microsoft.Communication/communicationServices");
        Assert.True(acs.Properties["disableLocalAuth"]?.GetValue<bool>(), "disableLocalAuth: true");
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Application_insights_refuses_local_auth(string parameterFile)
    {
        var component = CompiledTemplate.For(parameterFile).The("Microsoft.Insights/components");
        Assert.True(component.Properties["DisableLocalAuth"]?.GetValue<bool>(), "DisableLocalAuth: true");
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Key_vault_authorizes_with_rbac_and_keeps_deleted_keys(string parameterFile)
    {
        var vault = CompiledTemplate.For(parameterFile).The("Microsoft.KeyVault/vaults");
        Assert.True(vault.Properties["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault.Properties["enableSoftDelete"]!.GetValue<bool>());
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void No_output_or_app_setting_carries_a_secret(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var text = template.Template.ToJsonString();
        // No key, connection string with a key, or SAS is ever read from a resource.
        Assert.DoesNotMatch(ListFunction(), text);
        // No secure parameter at all: nothing secret goes in, so nothing secret can come out.
        Assert.Empty(SecureParameters(template.Template));
        Assert.All(template.Resources.Where(r => r.Type == "Microsoft.Resources/deployments"), d => Assert.Empty(SecureParameters(d.Properties["template"]!.AsObject())));

        var settings = FunctionAppTests.AppSettings(parameterFile);
        foreach (var (key, value) in settings)
        {
            var v = value?.ToJsonString() ?? string.Empty;
            Assert.DoesNotMatch(SecretLooking(), v);
            // A setting that holds a secret by name may only be a Key Vault reference (literal, or formatted with the
            // vault's URI); one that names a secret (…SecretName) holds no secret.
            if (SecretName().IsMatch(key) && !key.EndsWith("SecretName", StringComparison.Ordinal))
            {
                Assert.Matches(KeyVaultReference(), value is JsonValue literal && literal.TryGetValue<string>(out var setting) ? setting : v);
            }
        }

        // The Application Insights connection string is not a secret only because ingestion needs Entra ID.
        Assert.True(template.The("Microsoft.Insights/components").Properties["DisableLocalAuth"]!.GetValue<bool>());

        foreach (var outputs in new[] { template.Template }.Concat(template.Resources.Where(r => r.Type == "Microsoft.Resources/deployments").Select(d => d.Properties["template"]!.AsObject())))
        {
            foreach (var (name, output) in outputs["outputs"]?.AsObject() ?? [])
            {
                Assert.NotEqual("securestring", output!["type"]?.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
                Assert.NotEqual("secureObject", output["type"]?.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
                var value = output["value"]?.ToJsonString() ?? string.Empty;
                // The one exception: the Application Insights connection string (local auth is off, see above).
                if (!value.Contains("Microsoft.Insights/components", StringComparison.Ordinal) || !value.EndsWith(".ConnectionString]\"", StringComparison.Ordinal))
                {
                    Assert.DoesNotMatch(SecretName(), name);
                }

                Assert.DoesNotMatch(SecretLooking(), output["value"]?.ToJsonString() ?? string.Empty);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void No_parameter_file_holds_a_secret(string parameterFile)
    {
        var parameters = CompiledTemplate.For(parameterFile).Parameters;
        Assert.All(parameters.Select(p => p.Key), k => Assert.DoesNotMatch(SecretName(), k));
        Assert.All(parameters.Select(p => p.Value?.ToJsonString() ?? string.Empty), v => Assert.DoesNotMatch(SecretLooking(), v));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Key_vault_communication_services_the_function_app_and_storage_log_to_the_workspace(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var diagnostics = template.OfType("Microsoft.Insights/diagnosticSettings").ToList();
        Assert.All(diagnostics, d => Assert.False(string.IsNullOrEmpty(d.Properties["workspaceId"]?.GetValue<string>()), $"{d.Path} has a workspace"));
        Assert.All(diagnostics, d => Assert.Equal("[reference('monitoring').outputs.workspaceId.value]", d.Deployment!.Properties["parameters"]?["workspaceId"]?["value"]?.GetValue<string>()));

        CompiledTemplate.Resource On(string type) =>
            Assert.Single(diagnostics, d => d.Scope is { } scope && scope.StartsWith($"[resourceId('{type}'", StringComparison.OrdinalIgnoreCase));
        static IEnumerable<string> Logs(CompiledTemplate.Resource d) =>
            (d.Properties["logs"]?.AsArray() ?? []).Where(l => l?["enabled"]?.GetValue<bool>() == true)
                .Select(l => (l!["category"] ?? l["categoryGroup"])!.GetValue<string>());

        // Key Vault: the audit log (AuditEvent: every data-plane call and its caller).
        Assert.Contains(Logs(On("Microsoft.KeyVault/vaults")), l => l is "audit" or "AuditEvent" or "allLogs");
        // Communication Services: the email logs.
        var email = Logs(On("Microsoft.Communication/communicationServices")).ToList();
        Assert.Contains("EmailSendMailOperational", email);
        Assert.Contains("EmailStatusUpdateOperational", email);
        // The function app.
        Assert.NotEmpty(Logs(On("Microsoft.Web/sites")));
        // Storage: the account's transactions and the blob, queue and table services' writes and deletes.
        Assert.NotEmpty(On("Microsoft.Storage/storageAccounts").Properties["metrics"]!.AsArray());
        foreach (var service in new[] { "blobServices", "queueServices", "tableServices" })
        {
            Assert.Contains("StorageWrite", Logs(On($"Microsoft.Storage/storageAccounts/{service}")));
        }
    }

    private static IEnumerable<string> SecureParameters(JsonObject template) =>
        (template["parameters"]?.AsObject() ?? []).Where(p => p.Value?["type"]?.GetValue<string>() is { } t && t.StartsWith("secure", StringComparison.OrdinalIgnoreCase)).Select(p => p.Key);

    [GeneratedRegex(@"^(\[format\('|)@Microsoft\.KeyVault\(")]
    private static partial Regex KeyVaultReference();

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex(@"AccountKey=|SharedAccessSignature|[?&]sig=|SharedAccessKey|-----BEGIN|Password=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();

    [GeneratedRegex(@"password|secret|accesskey|signingkey|connectionstring", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
