using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// The bounded walk a job makes over table rows: pages of at most 100 from the checkpoint on, until the budget is
/// spent or the query ends. <see cref="Examined"/> and <see cref="Continuation"/> are the run's outcome.
/// </summary>
public sealed class JobScan(JobContext context)
{
    private const int MaxPageSize = 100;

    public int Examined { get; private set; }

    /// <summary>Where the next run continues; null when this one reached the end.</summary>
    public string? Continuation { get; private set; } = context.Checkpoint;

    /// <param name="query">The rows, paged from a continuation token with a page size.</param>
    public async IAsyncEnumerable<TableEntity> RowsAsync(Func<string?, int, IAsyncEnumerable<Page<TableEntity>>> query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        while (Examined < context.Budget)
        {
            Page<TableEntity>? page = null;
            await foreach (var first in query(Continuation, Math.Min(MaxPageSize, context.Budget - Examined)).WithCancellation(cancellationToken))
            {
                page = first;
                break;
            }

            if (page is null)
            {
                Continuation = null;
                yield break;
            }

            foreach (var row in page.Values)
            {
                Examined++;
                yield return row;
            }

            Continuation = page.ContinuationToken;
            if (Continuation is null)
            {
                yield break;
            }
        }
    }
}
