namespace Tier2.Functions.Reconciliation;

/// <summary>One kind of drift to look for and repair or report. Runs are bounded and idempotent.</summary>
public interface IReconciliationJob
{
    /// <summary>The job's name, also its timer function's name.</summary>
    string Name { get; }

    /// <summary>Examines at most <see cref="JobContext.Budget"/> items from <see cref="JobContext.Checkpoint"/> on.</summary>
    Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken);
}

/// <param name="Checkpoint">Where the previous run stopped (null: from the start).</param>
/// <param name="Budget">How many items this run may examine.</param>
/// <param name="Orchestrations">The timer function's durable client (only a function binding can give one).</param>
public sealed record JobContext(string RunId, string? Checkpoint, int Budget, DateTimeOffset Now, Orchestrations.OrchestrationClient Orchestrations);

/// <param name="Examined">Items looked at.</param>
/// <param name="Changed">Items repaired.</param>
/// <param name="Reported">Items found wrong but left for a person (listed in <paramref name="Details"/>).</param>
/// <param name="NextCheckpoint">Where the next run continues; null when this run reached the end.</param>
public sealed record JobOutcome(int Examined, int Changed, int Reported, string? NextCheckpoint, IReadOnlyList<string> Details);

/// <summary>A job by its timer function's name, and the type that does the work.</summary>
public sealed record ReconciliationJobRegistration(string Name, Type JobType);
