using System.Text.Json;
using Azure.Data.Tables;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.CustomerImports;

/// <summary>
/// A reseller's latest customer import and its stored relationship request link, beside the reseller in the
/// <c>Resellers</c> table's partition (rows <c>customer-import|{resellerId}</c> and <c>relationship-request|{resellerId}</c>,
/// outside the <c>r|</c> range the reseller lists read), so each change commits with its audit row on the reseller
/// (<c>GET /api/audit?entity=reseller&amp;id=</c> shows who imported, when, and what came of it). Each row holds its record as JSON.
/// </summary>
public sealed class CustomerImportStore(ResellerStore resellers, TimeProvider time)
{
    private const string ImportPrefix = "customer-import|";
    private const string RelationshipRequestPrefix = "relationship-request|";

    private TableClient Table => resellers.Table;

    public async Task<CustomerImport?> GetAsync(string resellerId, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(ResellerStore.Partition, ImportPrefix + resellerId, cancellationToken);
        return entity is null ? null : Read(entity, CustomerImportsJsonContext.Default.CustomerImport) with { ETag = entity.ETag.ToString() };
    }

    /// <summary>Applies one of the import's transitions (ETag-guarded) with its audit row; <paramref name="decide"/> gets null when the reseller was never imported.</summary>
    public async Task<ChangeResult<CustomerImport>> ApplyAsync(string resellerId, string actor, string action, Func<CustomerImport?, Transition<CustomerImport>> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        var before = await GetAsync(resellerId, cancellationToken);
        var decided = decide(before);
        if (decided.Refusal is { } refusal)
        {
            return ChangeResult<CustomerImport>.InvalidState(before!, refusal);
        }

        if (decided.Next is not { } after)
        {
            return ChangeResult<CustomerImport>.Unchanged(before!);
        }

        var json = JsonSerializer.Serialize(after, CustomerImportsJsonContext.Default.CustomerImport);
        var row = new TableEntity(ResellerStore.Partition, ImportPrefix + resellerId) { ["Json"] = json };
        TableTransactionAction write = before is null
            ? new(TableTransactionActionType.Add, row)
            : new(TableTransactionActionType.UpdateReplace, row, new Azure.ETag(before.ETag!));
        try
        {
            await Table.SubmitTransactionAsync(
                [write, new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(ResellerStore.Partition, "reseller", resellerId, actor, action, null, json, time.GetUtcNow()))],
                cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            return ChangeResult<CustomerImport>.PreconditionFailed();
        }

        return ChangeResult<CustomerImport>.Changed((await GetAsync(resellerId, cancellationToken))!);
    }

    public async Task<StoredRelationshipRequest?> GetRelationshipRequestAsync(string resellerId, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(ResellerStore.Partition, RelationshipRequestPrefix + resellerId, cancellationToken);
        return entity is null ? null : Read(entity, CustomerImportsJsonContext.Default.StoredRelationshipRequest);
    }

    /// <summary>Keeps what Partner Center answered (understood or not: the raw answer is never lost), with its audit row.</summary>
    public async Task SaveRelationshipRequestAsync(string resellerId, RelationshipRequestAnswer answer, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var now = time.GetUtcNow();
        var stored = new StoredRelationshipRequest(resellerId, answer.Url, answer.Shape, answer.Raw, now);
        var json = JsonSerializer.Serialize(stored, CustomerImportsJsonContext.Default.StoredRelationshipRequest);
        await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(ResellerStore.Partition, RelationshipRequestPrefix + resellerId) { ["Json"] = json }),
                new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(ResellerStore.Partition, "reseller", resellerId, actor, "relationship-request-read", null, json, now)),
            ],
            cancellationToken);
    }

    private static T Read<T>(TableEntity entity, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(entity.GetString("Json"), type) ?? throw new InvalidOperationException($"Row {entity.RowKey} holds no {typeof(T).Name}.");
}

/// <summary>
/// A reseller's customer relationship request link as Partner Center last answered: the url (null when the answer was not
/// understood), the shape it came in, and the answer itself.
/// </summary>
public sealed record StoredRelationshipRequest(string ResellerId, string? Url, RelationshipRequestShape Shape, string Answer, DateTimeOffset FetchedAt);
