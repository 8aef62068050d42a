using Azure;
using Azure.Data.Tables;

namespace Tier2.Functions.Storage;

public static class TableErrors
{
    public static bool IsConflict(this RequestFailedException ex) => ex.Status == 409;

    public static bool IsPreconditionFailed(this RequestFailedException ex) => ex.Status == 412;

    public static bool IsNotFound(this RequestFailedException ex) => ex.Status == 404;

    /// <summary>The index of the failing action in an entity-group transaction (the service reports it), or -1.</summary>
    public static int FailedIndex(this TableTransactionFailedException ex) => ex.FailedTransactionActionIndex ?? -1;

    public static async Task<T?> GetOrNullAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }
}
