using Tier2.Functions.Auth;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Developer commands: <c>token --role provider-admin|reseller-admin [--reseller-id ID] [--subject NAME] [--hours N]</c>
/// prints a development token; <c>functions-json DIR</c> writes a function.json folder per declared function.
/// </summary>
public static class Cli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "token" or "functions-json";

    public static async Task<int> RunAsync(string[] args, Func<string[], WebApplication> buildApp)
    {
        var app = buildApp([]);
        await using (app)
        {
            switch (args[0])
            {
                case "token":
                    {
                        var options = ParseOptions(args[1..]);
                        var role = options.GetValueOrDefault("role") ?? Roles.ProviderAdmin;
                        var hours = double.Parse(options.GetValueOrDefault("hours") ?? "8", System.Globalization.CultureInfo.InvariantCulture);
                        var issuer = app.Services.GetRequiredService<DevelopmentTokenIssuer>();
                        Console.WriteLine(issuer.Issue(role, options.GetValueOrDefault("reseller-id"), options.GetValueOrDefault("subject") ?? "developer", TimeSpan.FromHours(hours)));
                        return 0;
                    }

                case "functions-json":
                    {
                        if (args.Length != 2)
                        {
                            await Console.Error.WriteLineAsync("usage: functions-json <output-directory>");
                            return 2;
                        }

                        var written = FunctionJsonWriter.WriteAll(app.Services.GetRequiredService<FunctionCatalog>(), args[1]);
                        Console.WriteLine($"wrote {written.Count} function.json files to {args[1]}");
                        return 0;
                    }

                default:
                    return 2;
            }
        }
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
