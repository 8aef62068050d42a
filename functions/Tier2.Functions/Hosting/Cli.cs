using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Developer command: <c>token --role provider-admin|reseller-admin [--reseller-id ID] [--subject NAME] [--hours N]</c>
/// prints a development token signed with the <c>Auth__*</c> settings of local.settings.json (or the environment).
/// </summary>
public static class Cli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "token";

    public static Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new ConfigurationManager();
        if (!configuration.AddLocalSettings())
        {
            Console.Error.WriteLine("No local.settings.json found: run scripts/run.sh once (it creates one with a development signing key), or set TIER2_LOCAL_SETTINGS to its path.");
            return Task.FromResult(2);
        }

        configuration.AddEnvironmentVariables();
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (new AuthOptionsValidator().Validate(null, auth) is { Failed: true } invalid)
        {
            throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), invalid.Failures);
        }

        var options = ParseOptions(args[1..]);
        var role = options.GetValueOrDefault("role") ?? Roles.ProviderAdmin;
        var hours = double.Parse(options.GetValueOrDefault("hours") ?? "8", System.Globalization.CultureInfo.InvariantCulture);
        var issuer = new DevelopmentTokenIssuer(Options.Create(auth), TimeProvider.System);
        Console.WriteLine(issuer.Issue(role, options.GetValueOrDefault("reseller-id"), options.GetValueOrDefault("subject") ?? "developer", TimeSpan.FromHours(hours)));
        return Task.FromResult(0);
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'. Usage: token --role provider-admin|reseller-admin [--reseller-id ID] [--subject NAME] [--hours N]");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }
}
