using System.Collections.Concurrent;
using DurableTask.Core;

namespace Tier2.Standalone.Durable;

/// <summary>
/// Finds orchestrations and activities by name alone. DTFx keys them by name and version, but a function
/// has one implementation whatever version an instance was started with (as under Durable Functions, where
/// the version is data for the orchestrator, not a dispatch key).
/// </summary>
internal sealed class NameOnlyObjectManager<T> : INameVersionObjectManager<T>
{
    private readonly ConcurrentDictionary<string, ObjectCreator<T>> creators = new(StringComparer.OrdinalIgnoreCase);

    public void Add(ObjectCreator<T> creator)
    {
        ArgumentNullException.ThrowIfNull(creator);
        if (!this.creators.TryAdd(creator.Name, creator))
        {
            throw new InvalidOperationException($"Two functions are named '{creator.Name}'.");
        }
    }

    // Null for an unknown name: DTFx then fails the work item with a "not found" error, as it would anyway.
    public T? GetObject(string name, string? version) =>
        this.creators.TryGetValue(name, out ObjectCreator<T>? creator) ? creator.Create() : default;
}
