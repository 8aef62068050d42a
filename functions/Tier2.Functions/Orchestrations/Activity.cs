using Microsoft.DurableTask;

namespace Tier2.Functions.Orchestrations;

/// <summary>
/// An activity function's name with its input and output types, declared once by the class that implements it
/// (<c>public static readonly Activity&lt;string, InviteStepResult&gt; Expire = new(nameof(ExpireInvite));</c>),
/// so an orchestrator cannot call it by a misspelt name or with the wrong types.
/// </summary>
/// <param name="Name">The function name: the name of the <c>[Function]</c> method with the <c>[ActivityTrigger]</c>.</param>
public sealed record Activity<TInput, TOutput>(string Name)
{
    public override string ToString() => Name;
}

public static class ActivityCalls
{
    /// <summary>Schedules <paramref name="activity"/> with <paramref name="input"/> (and its retry policy, if any).</summary>
    public static Task<TOutput> CallAsync<TInput, TOutput>(this TaskOrchestrationContext context, Activity<TInput, TOutput> activity, TInput input, TaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(activity);
        return context.CallActivityAsync<TOutput>(activity.Name, input, options);
    }
}
