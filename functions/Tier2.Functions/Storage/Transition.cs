namespace Tier2.Functions.Storage;

/// <summary>
/// What a record's transition method decided (<c>invite.Accept(...)</c>, <c>order.Submit(...)</c>): the record after
/// it, nothing to do because it is already there, or a refusal that says why. An expected refusal is a value, not an
/// exception: the caller maps it to its answer (a 409, the invite page's "no longer valid", an activity's outcome).
/// </summary>
/// <typeparam name="T">The record type that owns the state.</typeparam>
public sealed record Transition<T>
    where T : class
{
    private Transition(T? next, string? refusal, TimeSpan? retryAfter)
    {
        Next = next;
        Refusal = refusal;
        RetryAfter = retryAfter;
    }

    /// <summary>The record after the transition; null when it stays as it is or is refused.</summary>
    public T? Next { get; }

    /// <summary>Why the transition is refused; null when it is allowed.</summary>
    public string? Refusal { get; }

    /// <summary>For a refusal that lifts by itself (a cooldown): how long until it does.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool Moved => Next is not null;

    public bool Refused => Refusal is not null;

    /// <summary>The transition is allowed: <paramref name="next"/> is the record after it.</summary>
    public static Transition<T> To(T next) => new(next ?? throw new ArgumentNullException(nameof(next)), null, null);

    /// <summary>The record is already where the transition leads (a repeat): nothing to change, nothing refused.</summary>
    public static Transition<T> Stay() => new(null, null, null);

    /// <summary>The current state does not allow the transition, for the reason given (and, for a cooldown, until when).</summary>
    public static Transition<T> Refuse(string reason, TimeSpan? retryAfter = null) => new(null, reason, retryAfter);
}
