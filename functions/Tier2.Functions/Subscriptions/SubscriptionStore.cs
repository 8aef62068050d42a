using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using ETag = Azure.ETag;
using RequestFailedException = Azure.RequestFailedException;
using Tier2.Functions.Customers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Subscriptions;

/// <summary>An Idempotency-Key as the caller sent it, whose it is (<see cref="CustomerAccess.IdempotencyScope"/>), and a hash of the request body it came with.</summary>
public sealed record IdempotencyKey(string Scope, string Key, string RequestHash);

/// <summary>
/// Subscriptions live in their customer's partition of <c>Customers</c> (row <c>sub|{id}</c>), so each change and
/// its audit row (<c>audit|subscription|{id}|...</c>) commit together, and a customer's subscriptions are one range.
/// </summary>
public sealed class SubscriptionStore(CustomerStore customers, TimeProvider time)
{
    private TableClient Table => customers.Table;

    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>The id of an order line's subscription: the same on every attempt, so creation is idempotent.</summary>
    public static string IdForOrderLine(string orderId, int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{orderId}|{index}")))[..32];

    public async Task<Subscription?> GetAsync(string customerId, string subscriptionId, CancellationToken cancellationToken)
    {
        if (!CustomerNames.IsId(customerId) || !CustomerNames.IsId(subscriptionId))
        {
            return null;
        }

        var entity = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerStore.SubscriptionPrefix + subscriptionId, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<Page<Subscription>> ListAsync(string customerId, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerId} and RowKey ge {CustomerStore.SubscriptionPrefix} and RowKey lt {"sub}"}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Page<Subscription>(page.Values.Select(FromEntity).ToList(), page.ContinuationToken);
        }

        return new Page<Subscription>([], null);
    }

    /// <summary>
    /// The customer's subscription that carries Partner Center subscription <paramref name="partnerCenterSubscriptionId"/>:
    /// a query of the customer's own partition (find the customer first with <see cref="CustomerStore.FindByPartnerCenterIdAsync"/>).
    /// </summary>
    public async Task<Subscription?> FindByPartnerCenterIdAsync(string customerId, string partnerCenterSubscriptionId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerId} and RowKey ge {CustomerStore.SubscriptionPrefix} and RowKey lt {"sub}"} and PartnerCenterSubscriptionId eq {partnerCenterSubscriptionId}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return FromEntity(e);
        }

        return null;
    }

    /// <summary>The subscription created earlier with this idempotency key (of the same caller), if any, and the hash of the request that created it.</summary>
    public async Task<(Subscription Subscription, string? RequestHash)?> FindByIdempotencyKeyAsync(string customerId, IdempotencyKey key, CancellationToken cancellationToken)
    {
        var row = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerStore.KeyPrefix + KeyHash(key), cancellationToken);
        return row is not null && await GetAsync(customerId, row.GetString("SubscriptionId"), cancellationToken) is { } subscription
            ? (subscription, row.GetString("RequestHash"))
            : null;
    }

    /// <summary>
    /// Adds a subscription with its audit row (and idempotency row) in one transaction. Returns the stored
    /// subscription; when it already exists (a repeat) the existing one.
    /// </summary>
    public async Task<Subscription> CreateAsync(Subscription subscription, IdempotencyKey? idempotencyKey, string actor, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(subscription)),
            new(TableTransactionActionType.Add, AuditLog.Entry(subscription.CustomerId, "subscription", subscription.Id, actor, "created", null, Describe(subscription), time.GetUtcNow())),
        };
        if (idempotencyKey is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(subscription.CustomerId, CustomerStore.KeyPrefix + KeyHash(idempotencyKey)) { ["SubscriptionId"] = subscription.Id, ["RequestHash"] = idempotencyKey.RequestHash }));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var existing = (idempotencyKey is null ? null : (await FindByIdempotencyKeyAsync(subscription.CustomerId, idempotencyKey, cancellationToken))?.Subscription)
                ?? await GetAsync(subscription.CustomerId, subscription.Id, cancellationToken);
            return existing ?? throw new InvalidOperationException($"Subscription {subscription.Id} conflicted but cannot be read.", ex);
        }

        return (await GetAsync(subscription.CustomerId, subscription.Id, cancellationToken))!;
    }

    /// <summary>
    /// Applies a change guarded by the subscription's ETag (<paramref name="ifMatch"/>, or the one just read when
    /// null), with its audit row. <paramref name="change"/> returns the new subscription (or null to leave it) and
    /// the audit action.
    /// </summary>
    public async Task<ChangeResult<Subscription>> UpdateAsync(string customerId, string subscriptionId, string? ifMatch, string actor, Func<Subscription, (Subscription? After, string Action)> change, CancellationToken cancellationToken)
    {
        var before = await GetAsync(customerId, subscriptionId, cancellationToken);
        if (before is null)
        {
            return ChangeResult<Subscription>.NotFound();
        }

        if (ifMatch is not null && ifMatch != "*" && !string.Equals(ifMatch, before.ETag, StringComparison.Ordinal))
        {
            return ChangeResult<Subscription>.PreconditionFailed();
        }

        var (after, action) = change(before);
        if (after is null || after == before)
        {
            return ChangeResult<Subscription>.Unchanged(before);
        }

        after = after with { UpdatedAt = time.GetUtcNow() };
        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(after), new ETag(before.ETag!)),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "subscription", subscriptionId, actor, action, Describe(before), Describe(after), time.GetUtcNow())),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            return ChangeResult<Subscription>.PreconditionFailed();
        }

        return ChangeResult<Subscription>.Changed((await GetAsync(customerId, subscriptionId, cancellationToken))!);
    }

    /// <summary>Removes a subscription (compensation), with its audit row. Safe to repeat.</summary>
    public async Task<bool> DeleteAsync(string customerId, string subscriptionId, string actor, string reason, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerStore.SubscriptionPrefix + subscriptionId, cancellationToken);
        if (entity is null)
        {
            return false;
        }

        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, entity, entity.ETag),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "subscription", subscriptionId, actor, "deleted", Describe(FromEntity(entity)), JsonSerializer.Serialize(reason, CustomersJsonContext.Default.String), time.GetUtcNow())),
                ],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            return await DeleteAsync(customerId, subscriptionId, actor, reason, cancellationToken);
        }
    }

    public static Subscription FromEntity(TableEntity e) => new()
    {
        Id = e.RowKey[CustomerStore.SubscriptionPrefix.Length..],
        CustomerId = e.PartitionKey,
        OfferId = e.GetString("OfferId"),
        OfferName = e.GetString("OfferName"),
        Quantity = e.GetInt32("Quantity") ?? 0,
        TermDuration = e.GetString("TermDuration"),
        BillingCycle = e.GetString("BillingCycle"),
        Status = Enum.Parse<SubscriptionStatus>(e.GetString("Status")),
        PartnerOfRecordResellerId = e.GetString("PartnerOfRecordResellerId"),
        PartnerIdOnRecord = e.GetString("PartnerIdOnRecord"),
        AutoRenewEnabled = e.GetBoolean("AutoRenewEnabled"),
        SupportContact = e.GetString("SupportContactResellerId") is { } supportReseller
            ? new SupportContact(e.GetGuid("SupportTenantId") ?? Guid.Empty, e.GetString("SupportMpnId"), e.GetString("SupportName"), supportReseller)
            : null,
        OrderId = e.GetString("OrderId"),
        PartnerCenterSubscriptionId = e.GetString("PartnerCenterSubscriptionId"),
        PartnerCenterOrderId = e.GetString("PartnerCenterOrderId"),
        PendingChange = e.GetString("PendingChange") is { } pending ? JsonSerializer.Deserialize(pending, CustomersJsonContext.Default.PartnerCenterChange) : null,
        PartnerCenterSync = e.GetString("PartnerCenterSync") is { } sync ? JsonSerializer.Deserialize(sync, CustomersJsonContext.Default.PartnerCenterSync) : null,
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
        ETag = e.ETag.ToString(),
    };

    private static TableEntity ToEntity(Subscription s) => new(s.CustomerId, CustomerStore.SubscriptionPrefix + s.Id)
    {
        ["OfferId"] = s.OfferId,
        ["OfferName"] = s.OfferName,
        ["Quantity"] = s.Quantity,
        ["TermDuration"] = s.TermDuration,
        ["BillingCycle"] = s.BillingCycle,
        ["Status"] = s.Status.ToString(),
        ["PartnerOfRecordResellerId"] = s.PartnerOfRecordResellerId,
        ["PartnerIdOnRecord"] = s.PartnerIdOnRecord,
        ["AutoRenewEnabled"] = s.AutoRenewEnabled,
        ["SupportContactResellerId"] = s.SupportContact?.ResellerId,
        ["SupportTenantId"] = s.SupportContact?.SupportTenantId,
        ["SupportMpnId"] = s.SupportContact?.SupportMpnId,
        ["SupportName"] = s.SupportContact?.Name,
        ["OrderId"] = s.OrderId,
        ["PartnerCenterSubscriptionId"] = s.PartnerCenterSubscriptionId,
        ["PartnerCenterOrderId"] = s.PartnerCenterOrderId,
        ["PendingChange"] = s.PendingChange is null ? null : JsonSerializer.Serialize(s.PendingChange, CustomersJsonContext.Default.PartnerCenterChange),
        ["PartnerCenterSync"] = s.PartnerCenterSync is null ? null : JsonSerializer.Serialize(s.PartnerCenterSync, CustomersJsonContext.Default.PartnerCenterSync),
        ["CreatedAt"] = s.CreatedAt,
        ["UpdatedAt"] = s.UpdatedAt,
    };

    private static string Describe(Subscription s) => JsonSerializer.Serialize(s, CustomersJsonContext.Default.Subscription);

    /// <summary>The key's hash, scoped by the caller: one caller's key never finds another caller's subscription.</summary>
    private static string KeyHash(IdempotencyKey key) => Hash(key.Scope + "\n" + key.Key);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
