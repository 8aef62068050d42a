namespace Tier2.Functions.Storage;

/// <summary>One page of a list, with the token that fetches the next (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);
