using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Tier2.Functions.Customers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orders;

/// <summary>A change an order update makes: the new order, the audit action, and rows to write in the same transaction.</summary>
public sealed record OrderChange(Order After, string Action, IReadOnlyList<TableTransactionAction>? Also = null)
{
    /// <summary>The change one of the order's transitions makes, or null when it moves nothing (already there, or refused).</summary>
    public static OrderChange? For(Transition<Order> transition, string action, IReadOnlyList<TableTransactionAction>? also = null) =>
        transition?.Next is { } next ? new OrderChange(next, action, also) : null;
}

/// <summary>
/// Orders in one partition of <c>Orders</c>, with the rows that must change atomically with them:
/// <c>o|{id}</c> the order; <c>d|{domainPrefix}</c> the claim on a domain prefix (added at submit, released when the
/// order fails or is cancelled, kept with the customer id when it completes: one prefix, one customer);
/// <c>kc|{sha256}</c> and <c>ks|{sha256}</c> the create and submit idempotency keys; audit rows. Orders are
/// few next to customers and subscriptions, and one partition is what makes the domain claim atomic with the submit.
/// </summary>
public sealed class OrderStore(TableServiceClient tables, StorageNames names, TimeProvider time)
{
    public const string TableName = "Orders";
    public const string Partition = "order";
    private const string OrderPrefix = "o|";
    private const string DomainPrefix = "d|";
    public const string CreateKeyPrefix = "kc|";
    public const string SubmitKeyPrefix = "ks|";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    /// <summary>An order id that sorts newest first in the orders partition (the orders list pages in that order): inverted creation ticks, then randomness.</summary>
    public static string NewId() =>
        (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UtcNow.UtcTicks).ToString("x15", System.Globalization.CultureInfo.InvariantCulture)
        + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    public static string InstanceIdFor(string orderId) => "order-" + orderId;

    public async Task<Order?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!CustomerNames.IsId(id))
        {
            return null;
        }

        var entity = await Table.GetOrNullAsync<TableEntity>(Partition, OrderPrefix + id, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>The order holding a domain prefix (submitted, provisioning or completed), if any.</summary>
    public async Task<(string OrderId, string? CustomerId, ETag ETag)?> DomainHolderAsync(string domainPrefix, CancellationToken cancellationToken)
    {
        var row = await Table.GetOrNullAsync<TableEntity>(Partition, DomainPrefix + domainPrefix, cancellationToken);
        return row is null ? null : (row.GetString("OrderId"), row.GetString("CustomerId"), row.ETag);
    }

    /// <summary>The order an idempotency key of <paramref name="scope"/> (the caller) was used for.</summary>
    public async Task<string?> FindOrderIdByKeyAsync(string kind, string scope, string key, CancellationToken cancellationToken) =>
        (await Table.GetOrNullAsync<TableEntity>(Partition, kind + KeyHash(scope, key), cancellationToken))?.GetString("OrderId");

    /// <summary>The order an idempotency key of <paramref name="scope"/> was used for, with the hash of the request that used it (null for rows written before hashes were kept).</summary>
    public async Task<(string OrderId, string? RequestHash)?> FindKeyAsync(string kind, string scope, string key, CancellationToken cancellationToken) =>
        await Table.GetOrNullAsync<TableEntity>(Partition, kind + KeyHash(scope, key), cancellationToken) is { } row ? (row.GetString("OrderId"), row.GetString("RequestHash")) : null;

    /// <summary>The SHA-256 of a request body, to tell a repeat from another request under the same idempotency key.</summary>
    public static string RequestHash(OrderRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request, OrdersJsonContext.Default.OrderRequest)));

    public static TableTransactionAction ClaimDomain(string domainPrefix, string orderId) =>
        new(TableTransactionActionType.Add, new TableEntity(Partition, DomainPrefix + domainPrefix) { ["OrderId"] = orderId });

    public static TableTransactionAction RecordDomainCustomer(string domainPrefix, string orderId, string customerId) =>
        new(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, DomainPrefix + domainPrefix) { ["OrderId"] = orderId, ["CustomerId"] = customerId });

    public static TableTransactionAction ReleaseDomain(string domainPrefix, ETag etag) =>
        new(TableTransactionActionType.Delete, new TableEntity(Partition, DomainPrefix + domainPrefix), etag);

    public static TableTransactionAction KeyRow(string kind, string scope, string key, string orderId, string? requestHash = null) =>
        new(TableTransactionActionType.Add, new TableEntity(Partition, kind + KeyHash(scope, key)) { ["OrderId"] = orderId, ["RequestHash"] = requestHash });

    /// <summary>Writes a new draft with its audit row (and idempotency row). Null when the idempotency key was used meanwhile.</summary>
    public async Task<Order?> CreateAsync(Order order, string keyScope, string? idempotencyKey, CancellationToken cancellationToken, string? requestHash = null)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(order)),
            new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "order", order.Id, order.CreatedBy, "created", null, Describe(order), time.GetUtcNow())),
        };
        if (idempotencyKey is not null)
        {
            actions.Add(KeyRow(CreateKeyPrefix, keyScope, idempotencyKey, order.Id, requestHash));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return null;
        }

        return await GetAsync(order.Id, cancellationToken);
    }

    /// <summary>
    /// Changes an order, guarded by <paramref name="ifMatch"/> (a client's ETag: a mismatch is 412) or, when null, by
    /// the ETag just read (a lost race is retried). <paramref name="change"/> returns null to leave the order alone.
    /// A conflict on one of the extra rows (a domain prefix or key already taken) is <see cref="ChangeOutcome.InvalidState"/>
    /// with the reason <c>also:{index}</c>, the index in <see cref="OrderChange.Also"/> of the row that conflicted
    /// (<c>also:-1</c> when the service did not say).
    /// </summary>
    public async Task<ChangeResult<Order>> UpdateAsync(string id, string? ifMatch, string actor, Func<Order, OrderChange?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = await GetAsync(id, cancellationToken);
            if (before is null)
            {
                return ChangeResult<Order>.NotFound();
            }

            if (ifMatch is not null && ifMatch != "*" && !string.Equals(ifMatch, before.ETag, StringComparison.Ordinal))
            {
                return ChangeResult<Order>.PreconditionFailed();
            }

            var next = change(before);
            if (next is null)
            {
                return ChangeResult<Order>.Unchanged(before);
            }

            var now = time.GetUtcNow();
            var after = next.After with { UpdatedAt = now };
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, ToEntity(after), new ETag(before.ETag!)),
                new(TableTransactionActionType.Add, AuditLog.Entry(Partition, "order", id, actor, next.Action, Describe(before), Describe(after), now)),
            };
            actions.AddRange(next.Also ?? []);
            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                return ChangeResult<Order>.Changed((await GetAsync(id, cancellationToken))!);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                var failed = ex.FailedIndex();
                return ChangeResult<Order>.InvalidState(before, ConflictReason(failed < 2 ? -1 : failed - 2));
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
            {
                if (ifMatch is not null)
                {
                    return ChangeResult<Order>.PreconditionFailed();
                }
            }
        }

        return ChangeResult<Order>.PreconditionFailed();
    }

    /// <summary>
    /// One page of orders, newest first (order ids sort so within the one orders partition), filtered by the columns
    /// of the order row: reseller, status, creation time (<paramref name="createdFrom"/> inclusive, <paramref name="createdTo"/> not).
    /// </summary>
    public async Task<Storage.Page<Order>> ListAsync(
        string? resellerId, OrderStatus? status, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {OrderPrefix} and RowKey lt {"o}"}");
        if (resellerId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"ResellerId eq {resellerId}");
        }

        if (status is { } s)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {s.ToString()}");
        }

        if (createdFrom is { } f)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedAt ge {f}");
        }

        if (createdTo is { } t)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedAt lt {t}");
        }

        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Storage.Page<Order>(page.Values.Select(FromEntity).ToList(), page.ContinuationToken);
        }

        return new Storage.Page<Order>([], null);
    }

    public static Order FromEntity(TableEntity e) => new()
    {
        Id = e.RowKey[OrderPrefix.Length..],
        Status = Enum.Parse<OrderStatus>(e.GetString("Status")),
        ResellerId = e.GetString("ResellerId"),
        Customer = JsonSerializer.Deserialize(e.GetString("Customer"), OrdersJsonContext.Default.CustomerDetails)!,
        LineItems = JsonSerializer.Deserialize(e.GetString("LineItems"), OrdersJsonContext.Default.IReadOnlyListOrderLine)!,
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        CreatedBy = e.GetString("CreatedBy"),
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
        SubmittedAt = e.GetDateTimeOffset("SubmittedAt"),
        CompletedAt = e.GetDateTimeOffset("CompletedAt"),
        CustomerId = e.GetString("CustomerId"),
        InstanceId = e.GetString("InstanceId"),
        AdminUserName = e.GetString("AdminUserName"),
        SetupInfoReadAt = e.GetDateTimeOffset("SetupInfoReadAt"),
        CancelRequested = e.GetBoolean("CancelRequested") ?? false,
        FailureReason = e.GetString("FailureReason"),
        EncryptedPassword = e.GetString("EncryptedPassword"),
        PartnerCenterCustomerId = e.GetString("PartnerCenterCustomerId"),
        PartnerCenterPasswordLost = e.GetBoolean("PartnerCenterPasswordLost") ?? false,
        AgreementAttestedAt = e.GetDateTimeOffset("AgreementAttestedAt"),
        PartnerCenterCartId = e.GetString("PartnerCenterCartId"),
        PartnerCenterOrderIds = e.GetString("PartnerCenterOrderIds") is { Length: > 0 } ids ? ids.Split(',') : null,
        Resubmissions = e.GetInt32("Resubmissions") ?? 0,
        VerifiedAddress = e.GetString("VerifiedAddress"),
        ETag = e.ETag.ToString(),
    };

    private static TableEntity ToEntity(Order o) => new(Partition, OrderPrefix + o.Id)
    {
        ["Status"] = o.Status.ToString(),
        ["ResellerId"] = o.ResellerId,
        ["Customer"] = JsonSerializer.Serialize(o.Customer, OrdersJsonContext.Default.CustomerDetails),
        ["LineItems"] = JsonSerializer.Serialize(o.LineItems, OrdersJsonContext.Default.IReadOnlyListOrderLine),
        ["CreatedAt"] = o.CreatedAt,
        ["CreatedBy"] = o.CreatedBy,
        ["UpdatedAt"] = o.UpdatedAt,
        ["SubmittedAt"] = o.SubmittedAt,
        ["CompletedAt"] = o.CompletedAt,
        ["CustomerId"] = o.CustomerId,
        ["InstanceId"] = o.InstanceId,
        ["AdminUserName"] = o.AdminUserName,
        ["SetupInfoReadAt"] = o.SetupInfoReadAt,
        ["CancelRequested"] = o.CancelRequested,
        ["FailureReason"] = o.FailureReason,
        ["EncryptedPassword"] = o.EncryptedPassword,
        ["PartnerCenterCustomerId"] = o.PartnerCenterCustomerId,
        ["PartnerCenterPasswordLost"] = o.PartnerCenterPasswordLost,
        ["AgreementAttestedAt"] = o.AgreementAttestedAt,
        ["PartnerCenterCartId"] = o.PartnerCenterCartId,
        ["PartnerCenterOrderIds"] = o.PartnerCenterOrderIds is { Count: > 0 } ids ? string.Join(',', ids) : null,
        ["Resubmissions"] = o.Resubmissions,
        ["VerifiedAddress"] = o.VerifiedAddress,
    };

    /// <summary>The audit form: <see cref="Order.EncryptedPassword"/> is [JsonIgnore], so no audit row ever holds it.</summary>
    private static string Describe(Order order) => JsonSerializer.Serialize(order, OrdersJsonContext.Default.Order);

    /// <summary>The reason of an <see cref="ChangeOutcome.InvalidState"/> update whose extra row <paramref name="alsoIndex"/> conflicted.</summary>
    public static string ConflictReason(int alsoIndex) => "also:" + alsoIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A key's hash, scoped by the caller (actor or reseller), so one caller's key never finds another's order.</summary>
    private static string KeyHash(string scope, string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + key)));
}
