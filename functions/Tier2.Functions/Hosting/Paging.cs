using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Hosting;

/// <summary>The paging every list endpoint shares: a page size of 1 to 100 (50 by default) and an opaque continuation token.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;
    public const string PageSizeMessage = "Page size must be between 1 and 100.";

    public static int Size(int? pageSize) => pageSize ?? DefaultPageSize;

    /// <summary>A problem naming <c>pageSize</c> when it is out of range; null otherwise.</summary>
    public static ValidationProblem? CheckPageSize(int? pageSize) =>
        pageSize is < 1 or > MaxPageSize ? Problem.Field("pageSize", PageSizeMessage) : null;

    /// <summary>Decodes a list's continuation token; a problem naming <c>continuationToken</c> when it is malformed or from another list.</summary>
    public static ValidationProblem? Decode(string scope, string? continuationToken, out string? tableToken) =>
        ContinuationToken.TryDecode(scope, continuationToken, out tableToken)
            ? null
            : Problem.Field("continuationToken", "The continuation token is malformed or belongs to another query.");
}
