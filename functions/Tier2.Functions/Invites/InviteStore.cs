using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

/// <summary>
/// Invites in one table partition so that each change and its index rows commit together:
/// <c>i|{id}</c> the invite; <c>t|{sha256}</c> the live token (deleted when used, revoked, expired or rotated);
/// <c>e|{address}</c> the one live invite per address; <c>k|{sha256(idempotency key)}</c>; audit rows.
/// Invite ids sort newest first.
/// </summary>
public sealed class InviteStore(TableServiceClient tables, StorageNames names, TimeProvider time)
{
    public const string TableName = "Invites";
    public const string Partition = "invite";
    private const string InvitePrefix = "i|";
    private const string TokenPrefix = "t|";
    private const string EmailPrefix = "e|";
    private const string KeyPrefix = "k|";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    public static string NewId(DateTimeOffset now) =>
        (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("x15", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static string InstanceIdFor(string inviteId) => "invite-" + inviteId;

    public async Task<Invite?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Contains('|', StringComparison.Ordinal))
        {
            return null;
        }

        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, InvitePrefix + id, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>The invite a token opens, only while the token is the invite's current one.</summary>
    public async Task<Invite?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (!InviteTokens.LooksLikeToken(token))
        {
            return null;
        }

        var hash = InviteTokens.Hash(token);
        var index = await Table.GetOrNullAsync<TableEntity>(Partition, TokenPrefix + hash, cancellationToken);
        if (index is null)
        {
            return null;
        }

        var invite = await GetAsync(index.GetString("InviteId"), cancellationToken);
        return invite is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(invite.TokenHash), Encoding.ASCII.GetBytes(hash)) ? invite : null;
    }

    public async Task<Invite?> FindLiveByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var index = await Table.GetOrNullAsync<TableEntity>(Partition, EmailPrefix + Normalize(email), cancellationToken);
        if (index is null)
        {
            return null;
        }

        var invite = await GetAsync(index.GetString("InviteId"), cancellationToken);
        return invite is not null && invite.IsLive(time.GetUtcNow()) ? invite : null;
    }

    /// <summary>The invite an earlier create with this key (by the same caller) made, and the hash of that request.</summary>
    public async Task<(Invite Invite, string? RequestHash)?> FindByIdempotencyKeyAsync(string actor, string key, CancellationToken cancellationToken)
    {
        var index = await Table.GetOrNullAsync<TableEntity>(Partition, KeyPrefix + KeyHash(actor, key), cancellationToken);
        return index is not null && await GetAsync(index.GetString("InviteId"), cancellationToken) is { } invite ? (invite, index.GetString("RequestHash")) : null;
    }

    /// <summary>
    /// Writes a new invite with its token, address lock and idempotency rows in one transaction. Returns null when
    /// another live invite holds the address (a concurrent create won).
    /// </summary>
    public async Task<Invite?> CreateAsync(Invite invite, string tokenHash, string? idempotencyKey, string? requestHash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(invite with { TokenHash = tokenHash })),
            new(TableTransactionActionType.Add, new TableEntity(Partition, TokenPrefix + tokenHash) { ["InviteId"] = invite.Id }),
            new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "invite", invite.Id, invite.CreatedBy, "created", null, Describe(invite), now)),
        };

        // The address lock: taken over from a stale (expired or finished) invite, otherwise new.
        var lockRow = await Table.GetOrNullAsync<TableEntity>(Partition, EmailPrefix + Normalize(invite.Email), cancellationToken);
        var lockEntity = new TableEntity(Partition, EmailPrefix + Normalize(invite.Email)) { ["InviteId"] = invite.Id };
        if (lockRow is null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, lockEntity));
        }
        else
        {
            var holder = await GetAsync(lockRow.GetString("InviteId"), cancellationToken);
            if (holder is not null && holder.IsLive(now))
            {
                return null;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, lockEntity, lockRow.ETag));
        }

        if (idempotencyKey is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, KeyPrefix + KeyHash(invite.CreatedBy, idempotencyKey)) { ["InviteId"] = invite.Id, ["RequestHash"] = requestHash }));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
            return invite with { TokenHash = tokenHash };
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// Applies one of the invite's transitions (ETag-guarded, with its audit row; a lost race re-reads and asks the
    /// invite again). A refusal is <see cref="ChangeOutcome.InvalidState"/> with the invite's reason, a transition with
    /// nothing to do is <see cref="ChangeOutcome.Unchanged"/>. A token no longer current is removed; the address lock
    /// is released when the invite leaves Pending.
    /// </summary>
    public async Task<ChangeResult<Invite>> UpdateAsync(string id, string actor, string action, Func<Invite, Transition<Invite>> transition, string? newTokenHash, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = await GetAsync(id, cancellationToken);
            if (before is null)
            {
                return ChangeResult<Invite>.NotFound();
            }

            var decided = transition(before);
            if (decided.Refusal is { } refusal)
            {
                return ChangeResult<Invite>.InvalidState(before, refusal);
            }

            if (decided.Next is not { } after)
            {
                return ChangeResult<Invite>.Unchanged(before);
            }

            if (newTokenHash is not null)
            {
                after = after with { TokenHash = newTokenHash };
            }

            var now = time.GetUtcNow();
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, ToEntity(after), new Azure.ETag(before.ETag!)),
                new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "invite", id, actor, action, Describe(before), Describe(after), now)),
            };
            var tokenChanged = !string.Equals(before.TokenHash, after.TokenHash, StringComparison.Ordinal);
            var leftPending = before.Status == InviteStatus.Pending && after.Status != InviteStatus.Pending;
            if ((tokenChanged || leftPending) && before.TokenHash.Length > 0)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, TokenPrefix + before.TokenHash), Azure.ETag.All));
            }

            if (tokenChanged && !leftPending)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, TokenPrefix + after.TokenHash) { ["InviteId"] = id }));
            }

            if (leftPending)
            {
                var lockRow = await Table.GetOrNullAsync<TableEntity>(Partition, EmailPrefix + Normalize(before.Email), cancellationToken);
                if (lockRow is not null && lockRow.GetString("InviteId") == id)
                {
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, lockRow, lockRow.ETag));
                }
            }

            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                return ChangeResult<Invite>.Changed((await GetAsync(id, cancellationToken))!);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
            {
                // Someone changed the invite (or its token row) meanwhile: re-read and decide again.
            }
        }

        return ChangeResult<Invite>.PreconditionFailed();
    }

    public async Task<Page<Invite>> ListAsync(InviteStatus? status, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var filter = status is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {InvitePrefix} and RowKey lt {"i}"}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {InvitePrefix} and RowKey lt {"i}"} and Status eq {status.Value.ToString()}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Page<Invite>(page.Values.Select(FromEntity).ToList(), page.ContinuationToken);
        }

        return new Page<Invite>([], null);
    }

    /// <summary>Every Pending invite, in pages (the invites reconciliation walks them with a checkpoint).</summary>
    public IAsyncEnumerable<Azure.Page<TableEntity>> PendingAsync(string? continuation, int pageSize, CancellationToken cancellationToken) =>
        Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {InvitePrefix} and RowKey lt {"i}"} and Status eq {nameof(InviteStatus.Pending)}"),
            pageSize,
            cancellationToken: cancellationToken).AsPages(continuation, pageSize);

    public static Invite FromEntity(TableEntity e) => new()
    {
        Id = e.RowKey[InvitePrefix.Length..],
        Email = e.GetString("Email"),
        CompanyName = e.GetString("CompanyName"),
        Message = e.GetString("Message"),
        Delivery = Enum.Parse<InviteDelivery>(e.GetString("Delivery")),
        Status = Enum.Parse<InviteStatus>(e.GetString("Status")),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        CreatedBy = e.GetString("CreatedBy"),
        ExpiresAt = e.GetDateTimeOffset("ExpiresAt") ?? default,
        RemindAt = e.GetDateTimeOffset("RemindAt") ?? default,
        SentAt = e.GetDateTimeOffset("SentAt"),
        RemindedAt = e.GetDateTimeOffset("RemindedAt"),
        RespondedAt = e.GetDateTimeOffset("RespondedAt"),
        LastTokenIssuedAt = e.GetDateTimeOffset("LastTokenIssuedAt"),
        ResendCount = e.GetInt32("ResendCount") ?? 0,
        FailureReason = e.GetString("FailureReason"),
        ResellerId = e.GetString("ResellerId"),
        InstanceId = e.GetString("InstanceId"),
        TokenHash = e.GetString("TokenHash") ?? string.Empty,
        SealedToken = e.GetString("SealedToken"),
        ETag = e.ETag.ToString(),
    };

    private static TableEntity ToEntity(Invite i) => new(Partition, InvitePrefix + i.Id)
    {
        ["Email"] = i.Email,
        ["CompanyName"] = i.CompanyName,
        ["Message"] = i.Message,
        ["Delivery"] = i.Delivery.ToString(),
        ["Status"] = i.Status.ToString(),
        ["CreatedAt"] = i.CreatedAt,
        ["CreatedBy"] = i.CreatedBy,
        ["ExpiresAt"] = i.ExpiresAt,
        ["RemindAt"] = i.RemindAt,
        ["SentAt"] = i.SentAt,
        ["RemindedAt"] = i.RemindedAt,
        ["RespondedAt"] = i.RespondedAt,
        ["LastTokenIssuedAt"] = i.LastTokenIssuedAt,
        ["ResendCount"] = i.ResendCount,
        ["FailureReason"] = i.FailureReason,
        ["ResellerId"] = i.ResellerId,
        ["InstanceId"] = i.InstanceId,
        ["TokenHash"] = i.TokenHash,
        ["SealedToken"] = i.SealedToken,
    };

    private static string Describe(Invite invite) => JsonSerializer.Serialize(InviteView.From(invite), InvitesJsonContext.Default.InviteView);

    private static string Normalize(string email) => TableKeys.Escape(email.Trim().ToLowerInvariant());

    // Keys are the caller's own: the same key from another admin is another request.
    private static string KeyHash(string actor, string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(actor + "\n" + key)));

    public static string RequestHash(params string?[] parts) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts.Select(p => p ?? "\0")))));
}
