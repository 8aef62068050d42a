using System.Text.Json.Nodes;

namespace Tier2.Infra.Tests;

/// <summary>What would make a first or a repeated deployment fail, or the app fail after it, pinned one fix a test.</summary>
public sealed class DeploymentTrapTests
{
    private static JsonNode Parameter(string name) => CompiledTemplate.For("main.parameters.json").Template["parameters"]![name]!;

    /// <summary>
    /// A custom role created and assigned in one deployment can be assigned before it replicates
    /// (RoleDefinitionDoesNotExist), and its actions are documented for SMTP, not the Email REST API: the built-in
    /// role is the default everywhere, the custom one an option.
    /// </summary>
    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_app_identity_sends_email_with_the_built_in_role_unless_told_otherwise(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        Assert.Equal("CommunicationAndEmailServiceOwner", Parameter("acsSenderRole")["defaultValue"]!.GetValue<string>());
        Assert.Contains("Custom", Parameter("acsSenderRole")["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()));
        var effective = template.EffectiveValue("acsSenderRole")!.GetValue<string>();
        Assert.True(effective is "CommunicationAndEmailServiceOwner" or "${TIER2_ACS_SENDER_ROLE=CommunicationAndEmailServiceOwner}", $"{parameterFile} sets acsSenderRole to {effective}");
    }

    /// <summary>Flex Consumption runs in some regions only: the template takes those, and azd offers only those.</summary>
    [Fact]
    public void The_location_is_a_flex_consumption_region_and_azd_asks_for_it_as_a_location()
    {
        var location = Parameter("location");
        var allowed = location["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.Contains("eastus2", allowed);
        Assert.Contains("westeurope", allowed);
        Assert.DoesNotContain("westus", allowed);
        Assert.Equal("location", location["metadata"]!["azd"]!["type"]!.GetValue<string>());
        Assert.Contains(CompiledTemplate.For("main.bicepparam").EffectiveValue("location")!.GetValue<string>(), allowed);
    }

    /// <summary>Flex Consumption refuses a maximum instance count under 40.</summary>
    [Fact]
    public void The_maximum_instance_count_is_one_flex_consumption_accepts()
    {
        var maximum = Parameter("maximumInstanceCount");
        Assert.Equal(40, maximum["minValue"]!.GetValue<int>());
        Assert.Equal(1000, maximum["maxValue"]!.GetValue<int>());
        Assert.InRange(maximum["defaultValue"]!.GetValue<int>(), 40, 1000);
    }

    /// <summary>
    /// azd down leaves the vault soft-deleted and purge protection keeps it for the retention period; a vault of the same
    /// name cannot be created meanwhile, but it can be recovered: azd's TIER2_KEY_VAULT_RECOVER turns the vault's
    /// createMode to recover.
    /// </summary>
    [Fact]
    public void After_azd_down_the_soft_deleted_key_vault_can_be_recovered_by_the_next_azd_up()
    {
        var template = CompiledTemplate.For("main.parameters.json");
        Assert.False(Parameter("keyVaultRecoverSoftDeleted")["defaultValue"]!.GetValue<bool>());
        Assert.Equal("${TIER2_KEY_VAULT_RECOVER=false}", template.Parameters["keyVaultRecoverSoftDeleted"]!["value"]!.GetValue<string>());
        var vault = template.The("Microsoft.KeyVault/vaults");
        Assert.Equal("[if(parameters('recoverSoftDeleted'), 'recover', 'default')]", vault.Properties["createMode"]!.GetValue<string>());
        Assert.Equal("keyVaultRecoverSoftDeleted", template.MainParameterBehind(vault, JsonValue.Create("[parameters('recoverSoftDeleted')]")));
    }

    /// <summary>
    /// An Azure-managed email domain sends 5 emails a minute and 10 an hour, with no increase: without a custom domain the
    /// app is told to create at most 5 invites a minute (its start-up check refuses more); a custom domain is linked
    /// and sent from.
    /// </summary>
    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_invite_rate_follows_the_email_domain_kind(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var settings = FunctionAppTests.AppSettingsResource(parameterFile);
        Assert.Equal("[string(parameters('invitesPerMinute'))]", settings.Properties["Invites__CreatePerMinute"]!.GetValue<string>());
        // 5 on the Azure-managed domain (InviteOptionsValidator.AzureManagedDomainEmailsPerMinute), else the app's default.
        var perMinute = settings.Deployment!.Properties["parameters"]!["invitesPerMinute"]!.GetValue<string>();
        Assert.Equal("[if(empty(parameters('emailCustomDomainId')), createObject('value', 5), createObject('value', 30))]", perMinute);
        Assert.Equal("", template.EffectiveValue("emailCustomDomainId")!.GetValue<string>().Replace("${TIER2_EMAIL_CUSTOM_DOMAIN_ID=}", "", StringComparison.Ordinal));

        var acs = template.The("Microsoft.Communication/communicationServices");
        Assert.Contains("parameters('customDomainId')", acs.Properties["linkedDomains"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
