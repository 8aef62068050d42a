namespace Tier2.Functions.Hosting;

/// <summary>
/// Whether the Functions host runs this process (it then sets <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> and drives
/// queues and timers itself) or the app runs alone (scripts/run.sh, tests) and runs its own triggers.
/// </summary>
public sealed record HostMode(int? CustomHandlerPort)
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    public bool UnderFunctionsHost => CustomHandlerPort is not null;

    public static HostMode From(IConfiguration configuration)
    {
        var value = configuration[PortVariable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return new HostMode((int?)null);
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"Setting '{PortVariable}' must be a TCP port number, not '{value}'.");
        }

        return new HostMode(port);
    }
}
