using System.Text.RegularExpressions;

namespace Tier2.Infra.Tests;

/// <summary>azd up: azure.yaml, the parameters azd fills in, the tag it finds the app by, the outputs it reads.</summary>
public sealed partial class AzdTests
{
    private static string AzureYaml => File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"));

    [Fact]
    public void Azure_yaml_deploys_the_functions_project_as_a_function_app_service()
    {
        var yaml = AzureYaml;
        // A flat reading of the few keys azd needs (no YAML parser in the solution).
        Assert.Matches(@"(?m)^services:\s*$", yaml);
        var service = ServiceBlock().Match(yaml);
        Assert.True(service.Success, "azure.yaml has a service 'api'");
        var body = service.Groups["body"].Value;
        Assert.Matches(@"(?m)^\s+host:\s*function\s*$", body);
        Assert.Matches(@"(?m)^\s+language:\s*dotnet\s*$", body);
        var project = Regex.Match(body, @"(?m)^\s+project:\s*(\S+)\s*$").Groups[1].Value;
        Assert.Equal("./functions/Tier2.Functions", project);
        Assert.True(Directory.Exists(Path.Combine(Repository.Root, project)), $"{project} exists");
        Assert.Matches(@"(?m)^\s+path:\s*infra\s*$", yaml);
        Assert.Matches(@"(?m)^\s+module:\s*main\s*$", yaml);
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Azd_finds_the_function_app_by_its_service_name_tag(string parameterFile)
    {
        var site = CompiledTemplate.For(parameterFile).The("Microsoft.Web/sites");
        var tags = site.Node["tags"]!.GetValue<string>();
        Assert.Equal("[union(parameters('tags'), createObject('azd-service-name', parameters('serviceName')))]", tags);
        Assert.Equal("api", site.DeclaringTemplate["parameters"]!["serviceName"]!["defaultValue"]!.GetValue<string>());
        Assert.Null(site.Deployment!.Properties["parameters"]!["serviceName"]);
        Assert.Equal("api", ServiceBlock().Match(AzureYaml).Groups["name"].Value);
        // Only the app carries it: azd needs exactly one resource per service.
        Assert.Single(CompiledTemplate.For(parameterFile).Resources, r => r.Node["tags"]?.ToJsonString().Contains("azd-service-name", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Azd_fills_in_the_environment_name_location_and_principal_id()
    {
        var template = CompiledTemplate.For("main.parameters.json");
        // A subscription deployment: main.bicep creates the resource group, so azd needs no group up front.
        Assert.Matches(SubscriptionSchema(), template.Template["$schema"]!.GetValue<string>());
        Assert.Equal("${AZURE_ENV_NAME}", template.Parameters["environmentName"]!["value"]!.GetValue<string>());
        Assert.Equal("${AZURE_LOCATION}", template.Parameters["location"]!["value"]!.GetValue<string>());
        Assert.Equal("${AZURE_PRINCIPAL_ID}", template.Parameters["principalId"]!["value"]!.GetValue<string>());
        // azd tags the resource group with its environment: main.bicep tags everything with it.
        var group = template.The("Microsoft.Resources/resourceGroups");
        Assert.Equal("[variables('allTags')]", group.Node["tags"]!.GetValue<string>());
        Assert.Contains("createObject('azd-env-name', parameters('environmentName'))", template.Template["variables"]!["allTags"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Azd_fills_in_the_partner_center_parameters_from_tier2_partner_center_variables()
    {
        var template = CompiledTemplate.For("main.parameters.json");
        foreach (var parameter in PartnerCenterDeploymentTests.ParameterSettings.Keys)
        {
            // partnerCenterClientId -> TIER2_PARTNER_CENTER_CLIENT_ID, empty (main.bicep's default) unless set.
            var variable = "TIER2_" + SnakeCase(parameter);
            var expected = parameter == "partnerCenterMode" ? $"${{{variable}=Disabled}}" : $"${{{variable}=}}";
            Assert.Equal(expected, template.Parameters[parameter]?["value"]?.GetValue<string>());
        }

        // The client secret is no parameter: it is set in the vault by hand (infra/README.md).
        Assert.DoesNotContain(template.Parameters, p => p.Key.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + c : char.ToUpperInvariant(c).ToString()));

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void Every_parameter_file_sets_declared_parameters_and_every_required_one(string parameterFile)
    {
        var template = CompiledTemplate.For(parameterFile);
        var declared = template.Template["parameters"]!.AsObject();
        Assert.All(template.Parameters.Select(p => p.Key), name => Assert.True(declared.ContainsKey(name), $"{parameterFile} sets {name}, which main.bicep does not declare"));
        var required = declared.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);
        Assert.All(required, name => Assert.True(template.Parameters.ContainsKey(name), $"{parameterFile} does not set the required parameter {name}"));
        // azd substitutes ${VAR} as text and converts it to the parameter's type (the official Flex Consumption
        // template, Azure-Samples/functions-quickstart-dotnet-azd, passes its bool vnetEnabled as "${VNET_ENABLED=true}"):
        // strings and booleans only here.
        foreach (var (name, value) in template.Parameters)
        {
            if (value?["value"]?.ToJsonString().Contains("${", StringComparison.Ordinal) == true)
            {
                Assert.Contains(declared[name]!["type"]!.GetValue<string>().ToLowerInvariant(), new[] { "string", "bool" });
            }
        }
    }

    [Theory]
    [MemberData(nameof(CompiledTemplate.EachParameterFile), MemberType = typeof(CompiledTemplate))]
    public void The_outputs_name_what_azd_and_the_deploy_steps_read(string parameterFile)
    {
        var outputs = CompiledTemplate.For(parameterFile).Template["outputs"]!.AsObject();
        string[] expected =
        [
            "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "SERVICE_API_URI",
            "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_DEPLOYMENT_CONTAINER_NAME",
        ];
        Assert.All(expected, name => Assert.True(outputs.ContainsKey(name), $"output {name}"));
        // azd stores outputs as environment variables: UPPER_SNAKE_CASE names.
        Assert.All(outputs.Select(o => o.Key), name => Assert.Matches("^[A-Z][A-Z0-9_]*$", name));
    }

    [GeneratedRegex(@"(?ms)^services:\s*\n\s{2}(?<name>[A-Za-z0-9_-]+):\s*\n(?<body>(?:\s{4}.*\n?)+)")]
    private static partial Regex ServiceBlock();

    [GeneratedRegex(@"/subscriptionDeploymentTemplate\.json#$")]
    private static partial Regex SubscriptionSchema();
}
