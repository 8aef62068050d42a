using System.Text.Json;

namespace Tier2.Durable;

/// <summary>The orchestrators and activities a worker can run, by name (case-insensitive).</summary>
public sealed class DurableRegistry
{
    private readonly Dictionary<string, OrchestratorRegistration> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ActivityRegistration> _activities = new(StringComparer.OrdinalIgnoreCase);

    public DurableRegistry AddOrchestrator<TInput, TOutput>(string name, Func<OrchestrationContext, TInput, Task<TOutput>> orchestrator)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(orchestrator);
        _orchestrators.Add(name, new OrchestratorRegistration(name, async (ctx, input, options) =>
        {
            var typedInput = input is null ? default! : PayloadSerializer.Deserialize<TInput>(input, options)!;
            var output = await orchestrator(ctx, typedInput);
            return PayloadSerializer.Serialize(output, options);
        }));
        return this;
    }

    public DurableRegistry AddActivity<TInput, TOutput>(string name, Func<ActivityContext, TInput, CancellationToken, Task<TOutput>> activity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(activity);
        _activities.Add(name, new ActivityRegistration(name, async (ctx, input, options, ct) =>
        {
            var typedInput = input is null ? default! : PayloadSerializer.Deserialize<TInput>(input, options)!;
            var output = await activity(ctx, typedInput, ct).ConfigureAwait(false);
            return PayloadSerializer.Serialize(output, options);
        }));
        return this;
    }

    public IReadOnlyCollection<string> OrchestratorNames => _orchestrators.Keys;

    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    internal OrchestratorRegistration? FindOrchestrator(string name) => _orchestrators.GetValueOrDefault(name);

    internal ActivityRegistration? FindActivity(string name) => _activities.GetValueOrDefault(name);
}

internal sealed record OrchestratorRegistration(string Name, Func<OrchestrationContext, string?, JsonSerializerOptions, Task<string?>> Invoke);

internal sealed record ActivityRegistration(string Name, Func<ActivityContext, string?, JsonSerializerOptions, CancellationToken, Task<string?>> Invoke);
