using System.Text.Json;
using Azure.Data.Tables;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

/// <summary>
/// Resellers in one table partition, with index rows kept in the same entity-group transaction as the
/// reseller row: <c>mpn|{mpnId}</c> (an MPN ID is partnered once), <c>email|{address}</c> (the invited address),
/// <c>name|{lowercase name}|{id}</c> (prefix search), <c>tenant|{tenant id}</c> (a reseller linked to Partner Center:
/// the tenant id Partner Center confirmed, which names the reseller a token's <c>tid</c> comes from). A few thousand resellers fit one partition comfortably,
/// and one partition is what makes the uniqueness rows atomic.
/// </summary>
public sealed class ResellerStore(TableServiceClient tables, StorageNames names, TimeProvider time)
{
    public const string TableName = "Resellers";
    public const string Partition = "reseller";
    private const string RowPrefix = "r|";
    private const string MpnPrefix = "mpn|";
    private const string EmailPrefix = "email|";
    private const string NamePrefix = "name|";
    private const string TenantPrefix = "tenant|";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    /// <summary>An address as it is keyed: trimmed, lower-case, escaped for table keys.</summary>
    public static string NormalizeEmail(string email) => TableKeys.Escape(email.Trim().ToLowerInvariant());

    public async Task<Reseller?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Contains('|', StringComparison.Ordinal))
        {
            return null;
        }

        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, RowPrefix + id, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<string?> FindIdByMpnAsync(string mpnId, CancellationToken cancellationToken) =>
        (await Table.GetOrNullAsync<TableEntity>(Partition, MpnPrefix + mpnId, cancellationToken))?.GetString("ResellerId");

    public async Task<string?> FindIdByEmailAsync(string email, CancellationToken cancellationToken) =>
        (await Table.GetOrNullAsync<TableEntity>(Partition, EmailPrefix + NormalizeEmail(email), cancellationToken))?.GetString("ResellerId");

    /// <summary>
    /// Creates the reseller and its index rows in one transaction. Idempotent on the reseller id (a repeat
    /// returns the existing reseller); an MPN ID partnered by another reseller is reported, nothing written.
    /// </summary>
    public async Task<CreateResellerResult> CreateAsync(Reseller reseller, string actor, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(reseller.Id, cancellationToken);
        if (existing is not null)
        {
            return new CreateResellerResult(existing, Created: false, MpnTakenBy: null);
        }

        var now = time.GetUtcNow();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(reseller)),
            new(TableTransactionActionType.Add, Index(MpnPrefix + reseller.MpnId, reseller.Id)),
            new(TableTransactionActionType.Add, Index(NameKey(reseller.CompanyName, reseller.Id), reseller.Id)),
            new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "reseller", reseller.Id, actor, reseller.ImportedFromPartnerCenter ? "imported" : "created", null, Describe(reseller), now)),
        };
        if (reseller.InvitedEmail.Length > 0)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, Index(EmailPrefix + NormalizeEmail(reseller.InvitedEmail), reseller.Id)));
        }

        if (reseller.LinkedAt is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, Index(TenantKey(reseller.TenantId), reseller.Id)));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
            return new CreateResellerResult(reseller, Created: true, MpnTakenBy: null);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // Either a concurrent create of this very reseller (idempotent success) or the MPN ID is taken.
            var now2 = await GetAsync(reseller.Id, cancellationToken);
            if (now2 is not null)
            {
                return new CreateResellerResult(now2, Created: false, MpnTakenBy: null);
            }

            var holder = await FindIdByMpnAsync(reseller.MpnId, cancellationToken);
            if (holder is not null)
            {
                return new CreateResellerResult(null, Created: false, MpnTakenBy: holder);
            }

            throw;
        }
    }

    /// <summary>
    /// Removes a reseller that never became a partner (still PendingActivation, created for <paramref name="inviteId"/>)
    /// with its index rows, so its MPN ID and address are free again. Anything else is left alone.
    /// </summary>
    public async Task<bool> DiscardPendingAsync(string id, string inviteId, string actor, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, RowPrefix + id, cancellationToken);
        if (entity is null)
        {
            return false;
        }

        var reseller = FromEntity(entity);
        if (reseller.Status != ResellerStatus.PendingActivation || reseller.InviteId != inviteId)
        {
            return false;
        }

        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, entity, entity.ETag),
            new(TableTransactionActionType.Delete, new TableEntity(Partition, NameKey(reseller.CompanyName, id)), Azure.ETag.All),
            new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "reseller", id, actor, "discarded", Describe(reseller), null, time.GetUtcNow())),
        };
        foreach (var key in new[] { MpnPrefix + reseller.MpnId, EmailPrefix + NormalizeEmail(reseller.InvitedEmail) })
        {
            // Index rows are removed only while they still point at this reseller.
            if (await Table.GetOrNullAsync<TableEntity>(Partition, key, cancellationToken) is { } index && index.GetString("ResellerId") == id)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, index, index.ETag));
            }
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Moves a reseller from <paramref name="from"/> to <paramref name="to"/> through the reseller's own transition
    /// (<see cref="Reseller.Activate"/>, <see cref="Reseller.Suspend"/>, <see cref="Reseller.Reactivate"/>, which
    /// decide), ETag-guarded, with its audit row in the same transaction.
    /// </summary>
    public async Task<ChangeResult<Reseller>> ChangeStatusAsync(string id, ResellerStatus from, ResellerStatus to, string actor, string? ifMatch, CancellationToken cancellationToken)
    {
        var action = (from, to) switch
        {
            (ResellerStatus.PendingActivation, ResellerStatus.Active) => "activated",
            (ResellerStatus.Suspended, ResellerStatus.Active) => "reactivated",
            (ResellerStatus.Active, ResellerStatus.Suspended) => "suspended",
            _ => throw new ArgumentOutOfRangeException(nameof(to), $"A reseller does not move from {from} to {to}."),
        };
        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, RowPrefix + id, cancellationToken);
        if (entity is null)
        {
            return ChangeResult<Reseller>.NotFound();
        }

        if (ifMatch is not null && ifMatch != "*" && !string.Equals(ifMatch, entity.ETag.ToString(), StringComparison.Ordinal))
        {
            return ChangeResult<Reseller>.PreconditionFailed();
        }

        var before = FromEntity(entity);
        var now = time.GetUtcNow();
        var decided = action switch
        {
            "activated" => before.Activate(now),
            "reactivated" => before.Reactivate(now),
            _ => before.Suspend(now),
        };
        if (decided.Refusal is { } refusal)
        {
            return ChangeResult<Reseller>.InvalidState(before, refusal);
        }

        if (decided.Next is not { } after)
        {
            return ChangeResult<Reseller>.Unchanged(before);
        }

        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(after), entity.ETag),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(Partition, "reseller", id, actor, action, Describe(before), Describe(after), now)),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 412)
        {
            return ChangeResult<Reseller>.PreconditionFailed();
        }

        return ChangeResult<Reseller>.Changed((await GetAsync(id, cancellationToken))!);
    }

    /// <summary>Lists resellers, optionally by status; <paramref name="search"/> is a prefix of the name or of the MPN ID.</summary>
    public async Task<Page<Reseller>> ListAsync(ResellerStatus? status, string? search, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            var filter = status is null
                ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {RowPrefix} and RowKey lt {"r}"}")
                : TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {RowPrefix} and RowKey lt {"r}"} and Status eq {status.Value.ToString()}");
            await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
            {
                return new Page<Reseller>(page.Values.Select(FromEntity).ToList(), page.ContinuationToken);
            }

            return new Page<Reseller>([], null);
        }

        // Search: prefix range over the name index, or the MPN index when the term is digits.
        var term = TableKeys.Escape(search.Trim().ToLowerInvariant());
        var prefix = term.All(char.IsAsciiDigit) ? MpnPrefix + term : NamePrefix + term;
        var indexFilter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}");
        await foreach (var page in Table.QueryAsync<TableEntity>(indexFilter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            var found = new List<Reseller>();
            foreach (var index in page.Values)
            {
                var reseller = await GetAsync(index.GetString("ResellerId"), cancellationToken);
                if (reseller is not null && (status is null || reseller.Status == status))
                {
                    found.Add(reseller);
                }
            }

            return new Page<Reseller>(found, page.ContinuationToken);
        }

        return new Page<Reseller>([], null);
    }

    /// <summary>The reseller linked to Partner Center whose tenant is <paramref name="tenantId"/>, or null.</summary>
    public async Task<string?> FindIdByTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        (await Table.GetOrNullAsync<TableEntity>(Partition, TenantKey(tenantId), cancellationToken))?.GetString("ResellerId");

    /// <summary>
    /// Applies one of the reseller's own transitions (<paramref name="decide"/>, e.g. <see cref="Reseller.Link"/>),
    /// ETag-guarded, with its audit row and, when the reseller becomes linked, its <c>tenant|</c> index row in the same
    /// transaction. A tenant already linked to another reseller refuses the change.
    /// </summary>
    public async Task<ChangeResult<Reseller>> ApplyAsync(string id, string actor, string action, Func<Reseller, Transition<Reseller>> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, RowPrefix + id, cancellationToken);
        if (entity is null)
        {
            return ChangeResult<Reseller>.NotFound();
        }

        var before = FromEntity(entity);
        var decided = decide(before);
        if (decided.Refusal is { } refusal)
        {
            return ChangeResult<Reseller>.InvalidState(before, refusal);
        }

        if (decided.Next is not { } after)
        {
            return ChangeResult<Reseller>.Unchanged(before);
        }

        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, ToEntity(after), entity.ETag),
            new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "reseller", id, actor, action, Describe(before), Describe(after), time.GetUtcNow())),
        };
        var relinked = after.LinkedAt is not null && (before.LinkedAt is null || before.TenantId != after.TenantId);
        if (relinked)
        {
            if (await FindIdByTenantAsync(after.TenantId, cancellationToken) is { } holder && holder != id)
            {
                return ChangeResult<Reseller>.InvalidState(before, $"Tenant {after.TenantId} is linked to reseller '{holder}' already.");
            }

            actions.Add(new(TableTransactionActionType.Add, Index(TenantKey(after.TenantId), id)));
            if (before.LinkedAt is not null)
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(Partition, TenantKey(before.TenantId)), Azure.ETag.All));
            }
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            return ChangeResult<Reseller>.PreconditionFailed();
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return ChangeResult<Reseller>.InvalidState(before, $"Tenant {after.TenantId} was linked to another reseller meanwhile.");
        }

        return ChangeResult<Reseller>.Changed((await GetAsync(id, cancellationToken))!);
    }

    private static string TenantKey(Guid tenantId) => TenantPrefix + tenantId.ToString("D");

    private static string NameKey(string name, string id) => $"{NamePrefix}{TableKeys.Escape(name.Trim().ToLowerInvariant())}|{id}";

    private static TableEntity Index(string rowKey, string resellerId) => new(Partition, rowKey) { ["ResellerId"] = resellerId };

    private static string Describe(Reseller reseller) => JsonSerializer.Serialize(reseller, ResellersJsonContext.Default.Reseller);

    private static TableEntity ToEntity(Reseller r) => new(Partition, RowPrefix + r.Id)
    {
        ["CompanyName"] = r.CompanyName,
        ["MpnId"] = r.MpnId,
        ["TenantId"] = r.TenantId,
        ["ContactName"] = r.ContactName,
        ["ContactEmail"] = r.ContactEmail,
        ["InvitedEmail"] = r.InvitedEmail,
        ["Status"] = r.Status.ToString(),
        ["InviteId"] = r.InviteId,
        ["CreatedAt"] = r.CreatedAt,
        ["ActivatedAt"] = r.ActivatedAt,
        ["SuspendedAt"] = r.SuspendedAt,
        ["AgreementStatus"] = r.AgreementStatus.ToString(),
        ["LinkedAt"] = r.LinkedAt,
        ["ImportedFromPartnerCenter"] = r.ImportedFromPartnerCenter,

        // A reason holds only in its status: a reseller that moves on (reactivated, linked) no longer carries it.
        ["AwaitingReason"] = r.Status == ResellerStatus.AwaitingPartnerCenter ? r.AwaitingReason : null,
        ["SuspensionReason"] = r.Status == ResellerStatus.Suspended ? r.SuspensionReason : null,
    };

    private static Reseller FromEntity(TableEntity e) => new()
    {
        Id = e.RowKey[RowPrefix.Length..],
        CompanyName = e.GetString("CompanyName"),
        MpnId = e.GetString("MpnId"),
        TenantId = e.GetGuid("TenantId") ?? Guid.Empty,
        ContactName = e.GetString("ContactName"),
        ContactEmail = e.GetString("ContactEmail"),
        InvitedEmail = e.GetString("InvitedEmail"),
        Status = Enum.Parse<ResellerStatus>(e.GetString("Status")),
        InviteId = e.GetString("InviteId"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue,
        ActivatedAt = e.GetDateTimeOffset("ActivatedAt"),
        SuspendedAt = e.GetDateTimeOffset("SuspendedAt"),
        AgreementStatus = Enum.TryParse<PartnerAgreementStatus>(e.GetString("AgreementStatus"), out var agreement) ? agreement : PartnerAgreementStatus.Unknown,
        LinkedAt = e.GetDateTimeOffset("LinkedAt"),
        ImportedFromPartnerCenter = e.GetBoolean("ImportedFromPartnerCenter") ?? false,
        AwaitingReason = e.GetString("AwaitingReason"),
        SuspensionReason = e.GetString("SuspensionReason"),
        ETag = e.ETag.ToString(),
    };
}

public sealed record CreateResellerResult(Reseller? Reseller, bool Created, string? MpnTakenBy);
