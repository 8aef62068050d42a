namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// The <c>Idempotency-Key</c> request header that creating POSTs accept (the IETF Idempotency-Key draft): its name
/// and its one rule. What a key identifies (the caller's scope, the request's hash) is each store's.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    public const int MaxLength = 200;

    /// <summary>Why <paramref name="key"/> is not a usable key (1 to <see cref="MaxLength"/> characters), or null: it is, or there is none.</summary>
    public static string? Check(string? key) =>
        key is { Length: 0 or > MaxLength } ? $"An idempotency key has 1 to {MaxLength} characters." : null;
}
