using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tier2.Infra.Tests;

/// <summary>
/// infra/main.bicep compiled to ARM JSON by the bicep CLI, once per parameter file: with
/// <c>bicep build-params</c> for a .bicepparam file (the template comes with it), with
/// <c>bicep build</c> for an azd parameters JSON file (read next to it).
/// </summary>
public sealed partial class CompiledTemplate
{
    /// <summary>Every parameter file under infra/ that deploys main.bicep.</summary>
    public static readonly string[] ParameterFiles = ["main.bicepparam", "main.parameters.json"];

    public static TheoryData<string> EachParameterFile => new(ParameterFiles);

    private static readonly ConcurrentDictionary<string, Lazy<CompiledTemplate>> Cache = new();

    private CompiledTemplate(string parameterFile, JsonObject template, JsonObject parameters)
    {
        ParameterFile = parameterFile;
        Template = template;
        Parameters = parameters;
        Resources = [.. Walk(template, "main", null)];
    }

    public string ParameterFile { get; }

    /// <summary>The ARM template of main.bicep.</summary>
    public JsonObject Template { get; }

    /// <summary>The "parameters" object of the parameter file (name -> { value }).</summary>
    public JsonObject Parameters { get; }

    /// <summary>Every resource deployed, nested deployments' included (existing references left out).</summary>
    public IReadOnlyList<Resource> Resources { get; }

    public static CompiledTemplate For(string parameterFile) =>
        Cache.GetOrAdd(parameterFile, file => new Lazy<CompiledTemplate>(() => Compile(file))).Value;

    public IEnumerable<Resource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public Resource The(string type)
    {
        var found = OfType(type).ToList();
        Assert.True(found.Count == 1, $"{ParameterFile}: expected one {type}, found {found.Count}");
        return found[0];
    }

    private static CompiledTemplate Compile(string parameterFile)
    {
        var infra = Path.Combine(Repository.Root, "infra");
        if (parameterFile.EndsWith(".bicepparam", StringComparison.Ordinal))
        {
            var output = JsonNode.Parse(Bicep.Run(infra, "build-params", parameterFile, "--stdout"))!.AsObject();
            var template = JsonNode.Parse(output["templateJson"]!.GetValue<string>())!.AsObject();
            var parameters = JsonNode.Parse(output["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
            return new CompiledTemplate(parameterFile, template, parameters);
        }

        var built = JsonNode.Parse(Bicep.Run(infra, "build", "main.bicep", "--stdout"))!.AsObject();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(infra, parameterFile)))!["parameters"]!.AsObject();
        return new CompiledTemplate(parameterFile, built, json);
    }

    private static IEnumerable<Resource> Walk(JsonObject template, string path, Resource? deployment)
    {
        var resources = template["resources"] switch
        {
            JsonObject byName => byName.Select(p => (Name: p.Key, Node: p.Value!.AsObject())),
            JsonArray list => list.Select((r, i) => (Name: i.ToString(), Node: r!.AsObject())),
            _ => [],
        };
        foreach (var (name, node) in resources)
        {
            if (node["existing"]?.GetValue<bool>() == true)
            {
                continue;
            }

            var resource = new Resource($"{path}/{name}", node, template, deployment);
            yield return resource;
            if (resource.Type == "Microsoft.Resources/deployments" && node["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Walk(nested, resource.Path, resource))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// Follows a value passed down as "[parameters('x')]" through the nested deployments to the parameter of
    /// main.bicep it comes from; null when it is computed on the way.
    /// </summary>
    public string? MainParameterBehind(Resource resource, JsonNode? value)
    {
        var at = resource;
        while (ParameterName(value) is { } name)
        {
            if (at.Deployment is null)
            {
                return Template["parameters"]?[name] is null ? null : name;
            }

            value = at.Deployment.Properties["parameters"]?[name]?["value"];
            at = at.Deployment;
        }

        return null;
    }

    /// <summary>The value a parameter of main.bicep takes with this parameter file: the file's, else the default.</summary>
    public JsonNode? EffectiveValue(string mainParameter) =>
        Parameters[mainParameter]?["value"] ?? Template["parameters"]?[mainParameter]?["defaultValue"];

    private static string? ParameterName(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) && ParameterExpression().Match(text) is { Success: true } m
            ? m.Groups[1].Value
            : null;

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterExpression();

    /// <summary>A resource, the template that declares it, and the nested deployment holding that template (null at the top).</summary>
    public sealed record Resource(string Path, JsonObject Node, JsonObject DeclaringTemplate, Resource? Deployment)
    {
        public string Type => Node["type"]!.GetValue<string>();

        public JsonObject Properties => Node["properties"]?.AsObject() ?? [];

        public string? Scope => Node["scope"]?.GetValue<string>();
    }
}

/// <summary>The repository checkout the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")) && Directory.Exists(Path.Combine(dir.FullName, "infra")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (Serverless.sln, infra/) above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// The bicep CLI where scripts/bicep.sh keeps it: .tools/bicep/packages/azure.bicep.commandline.linux-x64/
/// &lt;version&gt;/tools/bicep, the version being BICEP_VERSION or the script's default. When it is missing
/// (a clean clone), scripts/bicep.sh is run once to fetch it.
/// </summary>
public static partial class Bicep
{
    private static readonly Lazy<string> Executable = new(Locate);

    public static string Run(string workingDirectory, params string[] arguments)
    {
        var (exit, stdout, stderr) = Exec(Executable.Value, workingDirectory, arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"bicep {string.Join(' ', arguments)} failed ({exit}):\n{stderr}\n{stdout}");
        }

        return stdout;
    }

    private static string Locate()
    {
        var script = Path.Combine(Repository.Root, "scripts", "bicep.sh");
        var version = Environment.GetEnvironmentVariable("BICEP_VERSION") is { Length: > 0 } v
            ? v
            : DefaultVersion().Match(File.ReadAllText(script)) is { Success: true } m
                ? m.Groups[1].Value
                : throw new InvalidOperationException("No default BICEP_VERSION in scripts/bicep.sh.");
        var path = Path.Combine(Repository.Root, ".tools", "bicep", "packages", "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(path))
        {
            // Fetches the CLI (and builds and lints infra/, whose result does not matter here).
            var (exit, stdout, stderr) = Exec("bash", Repository.Root, [script]);
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"scripts/bicep.sh ({exit}) did not fetch {path}:\n{stderr}\n{stdout}");
            }
        }

        return path;
    }

    private static (int Exit, string Stdout, string Stderr) Exec(string file, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The CLI is a self-contained .NET app: invariant globalization spares it libicu.
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }

    [GeneratedRegex(@"BICEP_VERSION:-([0-9][0-9.]*)")]
    private static partial Regex DefaultVersion();
}
