using System.Text.RegularExpressions;

namespace Tier2.Functions.Storage;

/// <summary>
/// Names of the app's tables and queues. <c>Storage__Prefix</c> puts every name in its own namespace, so
/// several copies of the app (tests running in parallel, or two environments in one account) never share data.
/// </summary>
public sealed partial class StorageNames
{
    public const string PrefixSetting = "Storage:Prefix";

    public StorageNames(string prefix)
    {
        if (prefix.Length > 0 && !Prefix().IsMatch(prefix))
        {
            throw new InvalidOperationException("Setting 'Storage__Prefix' must start with a lowercase letter and hold at most 16 lowercase letters and digits.");
        }

        StoragePrefix = prefix;
    }

    public string StoragePrefix { get; }

    public static StorageNames FromConfiguration(IConfiguration configuration) => new(configuration[PrefixSetting] ?? string.Empty);

    /// <summary>A table name: letters and digits, so the prefix is glued on (<c>t1Invites</c>).</summary>
    public string Table(string name) => StoragePrefix + name;

    /// <summary>A queue or container name: lowercase with dashes (<c>t1-invites</c>).</summary>
    public string Queue(string name) => StoragePrefix.Length == 0 ? name : StoragePrefix + "-" + name;

    [GeneratedRegex("^[a-z][a-z0-9]{0,15}$")]
    private static partial Regex Prefix();
}
