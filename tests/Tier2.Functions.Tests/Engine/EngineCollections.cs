namespace Tier2.Functions.Tests.Engine;

/// <summary>
/// The engine tests run one at a time: each starts host processes and DTFx workers polling Azurite, and on a 2-core
/// machine two at once slowed Azurite down (DTFx logged partition table operations over 2 s, an invite create took
/// over 60 s) until the waits ran out.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EngineCollections
{
    public const string Name = "Engine";
    public const string Crashes = Name;
    public const string Guarantees = Name;
}
