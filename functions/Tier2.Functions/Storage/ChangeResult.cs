namespace Tier2.Functions.Storage;

public enum ChangeOutcome
{
    Changed,
    Unchanged,
    NotFound,
    PreconditionFailed,
    InvalidState,
}

/// <summary>The result of a guarded change: endpoints map it to 200, 404, 412 or 409.</summary>
public sealed record ChangeResult<T>(ChangeOutcome Outcome, T? Value, string? Reason)
    where T : class
{
    public static ChangeResult<T> Changed(T value) => new(ChangeOutcome.Changed, value, null);

    public static ChangeResult<T> Unchanged(T value) => new(ChangeOutcome.Unchanged, value, null);

    public static ChangeResult<T> NotFound() => new(ChangeOutcome.NotFound, null, null);

    public static ChangeResult<T> PreconditionFailed() => new(ChangeOutcome.PreconditionFailed, null, null);

    public static ChangeResult<T> InvalidState(T value, string reason) => new(ChangeOutcome.InvalidState, value, reason);
}
