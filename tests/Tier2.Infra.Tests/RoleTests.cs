using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tier2.Infra.Tests;

/// <summary>Who may do what: the app identity's roles, and every role definition id checked against its name.</summary>
public sealed partial class RoleTests
{
    /// <summary>
    /// Built-in role definition ids (the same in every tenant) and the role each one is, from Microsoft's list
    /// "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-control/built-in-roles), so that a reader
    /// can check them. Each was checked against that list (MicrosoftDocs/azure-docs, built-in-roles.md and
    /// built-in-roles/*.md) except where the note says otherwise.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string Verified)> BuiltInRoles = new Dictionary<string, (string, string)>
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = ("Storage Blob Data Owner", "built-in-roles.md, Storage"),
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = ("Storage Blob Data Contributor", "built-in-roles.md, Storage"),
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = ("Storage Queue Data Contributor", "built-in-roles.md, Storage"),
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = ("Storage Table Data Contributor", "built-in-roles.md, Storage"),
        ["4633458b-17de-408a-b874-0445c86b69e6"] = ("Key Vault Secrets User", "built-in-roles/security.md (Key Vault Data Access Administrator's condition lists it as Key Vault Secrets User)"),
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = ("Key Vault Secrets Officer", "built-in-roles/security.md, role JSON (dataActions Microsoft.KeyVault/vaults/secrets/*)"),
        ["e147488a-f6f5-4113-8e2d-b22465e65bf6"] = ("Key Vault Crypto Service Encryption User", "built-in-roles/security.md, role JSON"),
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = ("Monitoring Metrics Publisher", "built-in-roles/monitor.md"),
        ["09976791-48a7-449e-bb21-39d1a415f350"] = ("Communication and Email Service Owner", "NOT found in the copy of Microsoft's list searched; the same id is used for this role by many public templates"),
    };

    [Fact]
    public void Every_role_definition_id_is_the_built_in_role_it_is_named_after()
    {
        var template = CompiledTemplate.For(CompiledTemplate.ParameterFiles[0]);
        // Every GUID literal in the template is a role definition id: each must be in the table.
        var guids = Guid().Matches(template.Template.ToJsonString()).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        Assert.NotEmpty(guids);
        Assert.All(guids, g => Assert.True(BuiltInRoles.ContainsKey(g), $"{g} is not in the table of built-in roles"));

        // roles.bicep names each id (roleIds.storageBlobDataOwner = '<guid>'): the name must be the role's.
        var roleIds = RolesTemplate(template)["variables"]!["roleIds"]!.AsObject();
        Assert.Equal(BuiltInRoles.Count, roleIds.Count);
        foreach (var (name, id) in roleIds)
        {
            var role = BuiltInRoles[id!.GetValue<string>()].Name;
            Assert.Equal(Normalize(role), Normalize(name));
        }
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_identity_holds_the_storage_roles_durable_functions_needs(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var storageRoles = AppIdentityRoles(template)
            .Where(a => a.Assignment.Scope is { } s && s.StartsWith("[resourceId('Microsoft.Storage/storageAccounts'", StringComparison.Ordinal))
            .SelectMany(a => a.Roles).ToHashSet();
        Assert.Contains("Storage Blob Data Owner", storageRoles);
        Assert.Contains("Storage Queue Data Contributor", storageRoles);
        Assert.Contains("Storage Table Data Contributor", storageRoles);
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_identity_can_wrap_the_data_protection_key_publish_telemetry_and_send_email(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var roles = AppIdentityRoles(template).ToList();
        Assert.Contains(roles, a => a.Assignment.Scope!.StartsWith("[resourceId('Microsoft.KeyVault/vaults/keys'", StringComparison.Ordinal) && a.Roles.Contains("Key Vault Crypto Service Encryption User"));
        Assert.Contains(roles, a => a.Assignment.Scope!.StartsWith("[resourceId('Microsoft.Insights/components'", StringComparison.Ordinal) && a.Roles.Contains("Monitoring Metrics Publisher"));

        // Email: the custom role (the three actions ACS documents for sending as an Entra ID principal) or the
        // built-in Communication and Email Service Owner, assigned on the Communication Services resource.
        var acs = Assert.Single(roles, a => a.Assignment.Scope!.StartsWith("[resourceId('Microsoft.Communication/communicationServices'", StringComparison.Ordinal));
        Assert.Equal("[variables('acsRoleDefinitionId')]", acs.Assignment.Properties["roleDefinitionId"]!.GetValue<string>());
        var acsRoleChoice = RolesTemplate(template)["variables"]!["acsRoleDefinitionId"]!.GetValue<string>();
        Assert.Contains("communicationAndEmailServiceOwner", acsRoleChoice, StringComparison.Ordinal);
        var custom = template.The("Microsoft.Authorization/roleDefinitions");
        var actions = custom.Properties["permissions"]![0]!["actions"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(
            ["Microsoft.Communication/CommunicationServices/Read", "Microsoft.Communication/CommunicationServices/Write", "Microsoft.Communication/EmailServices/write"],
            actions);
        Assert.DoesNotContain(actions, a => a.Contains("ListKeys", StringComparison.OrdinalIgnoreCase) || a.EndsWith('*'));
        // The main.bicep parameter offers both.
        var allowed = template.Template["parameters"]!["acsSenderRole"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Equal(["Custom", "CommunicationAndEmailServiceOwner"], allowed);
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_identity_may_write_the_partner_center_refresh_token_secret_and_no_other_secret(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var roles = AppIdentityRoles(template).ToList();
        // Write (Key Vault Secrets Officer) is granted once, on the refresh token's secret: not on the vault, where it
        // would let the app overwrite the client secret too.
        var officer = Assert.Single(roles, a => a.Roles.Contains("Key Vault Secrets Officer"));
        Assert.Equal(
            "[resourceId('Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'), parameters('partnerCenterRefreshTokenSecretName'))]",
            officer.Assignment.Scope);
        // Read: Key Vault Secrets User on the vault, for the Key Vault references (the client secret).
        Assert.Contains(roles, a => a.Roles.Contains("Key Vault Secrets User") && a.Assignment.Scope!.StartsWith("[resourceId('Microsoft.KeyVault/vaults',", StringComparison.Ordinal));

        // That secret is the one the vault declares (a role's scope must exist) and the one the app writes.
        var secretName = PartnerCenterDeploymentTests.ModuleParameter(template, "roles", "partnerCenterRefreshTokenSecretName");
        Assert.Equal(secretName, PartnerCenterDeploymentTests.ModuleParameter(template, "keyVault", "partnerCenterRefreshTokenSecretName"));
        Assert.Equal(secretName, PartnerCenterDeploymentTests.ModuleParameter(template, "functionApp", "partnerCenterRefreshTokenSecretName"));
        var secret = template.The("Microsoft.KeyVault/vaults/secrets");
        Assert.Equal("[format('{0}/{1}', parameters('name'), parameters('partnerCenterRefreshTokenSecretName'))]", secret.Node["name"]!.GetValue<string>());
        Assert.Equal("[parameters('partnerCenterRefreshTokenSecretName')]", FunctionAppTests.AppSettings(parameterFile)["PartnerCenter__RefreshTokenSecretName"]!.GetValue<string>());
        // The roles module runs after the vault module, so the secret exists when the role is assigned.
        var rolesModule = template.OfType("Microsoft.Resources/deployments").Single(d => d.Path.EndsWith("/roles", StringComparison.Ordinal));
        Assert.Contains("keyVault", rolesModule.Node["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_identity_gets_no_management_plane_role(string parameterFile)
    {
        // Contributor, Owner, Storage Account Contributor: none (they would let the app read keys).
        string[] broad = ["b24988ac-6180-42a0-ab88-20f7382dd24c", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "17d1049b-9a84-46fb-8f53-869881c3d3ab"];
        var text = CompiledTemplate.For(parameterFile).Template.ToJsonString();
        Assert.All(broad, id => Assert.DoesNotContain(id, text, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Role assignments to the app identity (principalId of roles.bicep) and the built-in roles each names.</summary>
    private static IEnumerable<(CompiledTemplate.Resource Assignment, IReadOnlyList<string> Roles)> AppIdentityRoles(CompiledTemplate template)
    {
        var rolesModule = template.OfType("Microsoft.Resources/deployments").Single(d => d.Path.EndsWith("/roles", StringComparison.Ordinal));
        // roles.bicep's principalId is the app identity's.
        Assert.Equal("[reference('identity').principalId]", rolesModule.Properties["parameters"]!["principalId"]!["value"]!.GetValue<string>());
        var roleIds = RolesTemplate(template)["variables"]!["roleIds"]!.AsObject();
        foreach (var assignment in template.OfType("Microsoft.Authorization/roleAssignments").Where(a => a.Deployment == rolesModule))
        {
            if (assignment.Properties["principalId"]?.GetValue<string>() != "[parameters('principalId')]")
            {
                continue;
            }

            Assert.Equal("ServicePrincipal", assignment.Properties["principalType"]?.GetValue<string>());
            var expression = assignment.Properties["roleDefinitionId"]!.GetValue<string>() + (assignment.Node["copy"]?["count"]?.GetValue<string>() ?? string.Empty);
            var names = RoleIdReference().Matches(expression).Select(m => BuiltInRoles[roleIds[m.Groups[1].Value]!.GetValue<string>()].Name).Distinct().ToList();
            yield return (assignment, names);
        }
    }

    private static JsonObject RolesTemplate(CompiledTemplate template) =>
        template.OfType("Microsoft.Resources/deployments").Single(d => d.Path.EndsWith("/roles", StringComparison.Ordinal)).Properties["template"]!.AsObject();

    private static string Normalize(string name) => new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"variables\('roleIds'\)\.(\w+)")]
    private static partial Regex RoleIdReference();
}
