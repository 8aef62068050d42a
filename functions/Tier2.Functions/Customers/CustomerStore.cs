using System.Text.Json;
using Azure.Data.Tables;
using ETag = Azure.ETag;
using RequestFailedException = Azure.RequestFailedException;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Customers;

/// <summary>
/// One partition per customer in <c>Customers</c> (partition key = customer id): the <c>customer</c> row, its
/// reseller relationships <c>reseller|{resellerId}</c>, subscriptions <c>sub|{id}</c>, admin users <c>user|{name}</c>,
/// idempotency rows <c>key|{sha256}</c> and audit rows, so every change to a customer commits with its audit row
/// in one entity-group transaction and the detail page is one partition query.
/// <para>
/// The list lives in <c>CustomerIndex</c>: partition <c>all</c> and one partition <c>reseller|{resellerId}</c> per
/// reseller, row key <c>{name as key}|{customerId}</c>, each row a <see cref="CustomerSummary"/>; partition
/// <c>partner-center</c> finds a customer by its Partner Center id (see <see cref="FindByPartnerCenterIdAsync"/>). The customers of one
/// reseller are one partition query, sorted by name, and a name search is a row-key range. Index rows are written
/// after the relationship commits and deleted before it is removed, so the index never lists a customer the
/// reseller may not see (a crash in between leaves the index short; repeating the request repairs it).
/// </para>
/// </summary>
public sealed partial class CustomerStore(TableServiceClient tables, StorageNames names, TimeProvider time)
{
    public const string TableName = "Customers";
    public const string IndexTableName = "CustomerIndex";
    public const string AllPartition = "all";
    public const string CustomerRow = "customer";
    public const string ResellerPrefix = "reseller|";
    public const string SubscriptionPrefix = "sub|";
    public const string UserPrefix = "user|";
    public const string KeyPrefix = "key|";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    public TableClient Index => tables.GetTableClient(names.Table(IndexTableName));

    public static string ResellerPartition(string resellerId) => ResellerPrefix + resellerId;

    public async Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        if (!CustomerNames.IsId(customerId))
        {
            return null;
        }

        var entity = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerRow, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>Whether the reseller has delegated administration of the customer.</summary>
    public async Task<bool> HasResellerAsync(string customerId, string resellerId, CancellationToken cancellationToken) =>
        CustomerNames.IsId(customerId) && CustomerNames.IsId(resellerId)
        && await Table.GetOrNullAsync<TableEntity>(customerId, ResellerPrefix + resellerId, cancellationToken) is not null;

    /// <summary>The customer with its relationships and subscriptions: one partition query.</summary>
    public async Task<(Customer Customer, IReadOnlyList<CustomerReseller> Resellers, IReadOnlyList<Subscription> Subscriptions)?> GetDetailAsync(string customerId, CancellationToken cancellationToken)
    {
        if (!CustomerNames.IsId(customerId))
        {
            return null;
        }

        Customer? customer = null;
        var resellers = new List<CustomerReseller>();
        var subscriptions = new List<Subscription>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerId} and RowKey ge {CustomerRow} and RowKey lt {"t"}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (e.RowKey == CustomerRow)
            {
                customer = FromEntity(e);
            }
            else if (e.RowKey.StartsWith(ResellerPrefix, StringComparison.Ordinal))
            {
                resellers.Add(RelationshipFromEntity(e));
            }
            else if (e.RowKey.StartsWith(SubscriptionPrefix, StringComparison.Ordinal))
            {
                subscriptions.Add(SubscriptionStore.FromEntity(e));
            }
        }

        return customer is null ? null : (customer, resellers, subscriptions);
    }

    /// <summary>
    /// Creates the customer (and its relationship with the reseller it is created for) with its audit row, then
    /// its index rows. Safe to repeat: an existing customer of the same order counts as created.
    /// </summary>
    public async Task<Customer> CreateAsync(Customer customer, Reseller? reseller, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(customer)),
            new(TableTransactionActionType.Add, AuditLog.Entry(customer.Id, "customer", customer.Id, actor, customer.Imported ? "imported-from-partner-center" : "created", null, Describe(customer), now)),
        };
        if (reseller is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, RelationshipEntity(customer.Id, reseller, actor, now)));
        }

        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var existing = await GetAsync(customer.Id, cancellationToken);
            if (existing is null || existing.OrderId != customer.OrderId)
            {
                throw new InvalidOperationException($"Customer {customer.Id} exists and belongs to another order.", ex);
            }

            customer = existing;
        }

        await EnsureIndexedAsync(customer, reseller, cancellationToken);
        return customer;
    }

    /// <summary>
    /// Writes a created customer's index rows (its Partner Center id, the whole list, its reseller's list). Safe to
    /// repeat: a step that created the customer and was cut off before these rows runs it again.
    /// </summary>
    public async Task EnsureIndexedAsync(Customer customer, Reseller? reseller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        await IndexPartnerCenterIdAsync(customer, cancellationToken);
        await UpsertIndexAsync(AllPartition, customer, cancellationToken);
        if (reseller is not null)
        {
            await UpsertIndexAsync(ResellerPartition(reseller.Id), customer, cancellationToken);
        }
    }

    /// <summary>
    /// Removes the customer and everything under it (compensation of a failed or cancelled order); the audit rows stay,
    /// with a "deleted" row of its own. Index rows go first. Safe to repeat.
    /// </summary>
    public async Task<bool> DeleteAsync(string customerId, string actor, string reason, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {customerId} and RowKey ge {CustomerRow} and RowKey lt {"v"}"), cancellationToken: cancellationToken))
        {
            rows.Add(e);
        }

        var customerEntity = rows.FirstOrDefault(r => r.RowKey == CustomerRow);
        if (customerEntity is not null)
        {
            var customer = FromEntity(customerEntity);
            await DeletePartnerCenterIndexAsync(customer, cancellationToken);
            await DeleteIndexAsync(AllPartition, customer, cancellationToken);
            foreach (var relationship in rows.Where(r => r.RowKey.StartsWith(ResellerPrefix, StringComparison.Ordinal)))
            {
                await DeleteIndexAsync(ResellerPartition(relationship.RowKey[ResellerPrefix.Length..]), customer, cancellationToken);
            }
        }

        // Everything but the customer row in batches, each row with its audit row in the same transaction, then the
        // customer row with its audit row: the customer row is the last to go, so a repeat after a crash still finds
        // the index rows to remove.
        var now = time.GetUtcNow();
        var reasonJson = JsonSerializer.Serialize(reason, CustomersJsonContext.Default.String);
        foreach (var chunk in rows.Where(r => r.RowKey != CustomerRow).Chunk(50))
        {
            await Table.SubmitTransactionAsync(
                chunk.SelectMany(r => new[]
                {
                    new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All),
                    new TableTransactionAction(TableTransactionActionType.Add, DeletedRowAudit(r, actor, reasonJson, now)),
                }),
                cancellationToken);
        }

        if (customerEntity is null)
        {
            return false;
        }

        await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, customerEntity, ETag.All),
                new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "customer", customerId, actor, "deleted", Describe(FromEntity(customerEntity)), JsonSerializer.Serialize(reason, CustomersJsonContext.Default.String), time.GetUtcNow())),
            ],
            cancellationToken);
        return true;
    }

    /// <summary>The audit row of a row removed with its customer: what it was, and why it went.</summary>
    private static TableEntity DeletedRowAudit(TableEntity row, string actor, string reasonJson, DateTimeOffset now)
    {
        var customerId = row.PartitionKey;
        if (row.RowKey.StartsWith(SubscriptionPrefix, StringComparison.Ordinal))
        {
            var subscription = SubscriptionStore.FromEntity(row);
            return AuditLog.Entry(customerId, "subscription", subscription.Id, actor, "deleted", JsonSerializer.Serialize(subscription, CustomersJsonContext.Default.Subscription), reasonJson, now);
        }

        if (row.RowKey.StartsWith(ResellerPrefix, StringComparison.Ordinal))
        {
            return AuditLog.Entry(customerId, "customer", customerId, actor, "reseller-removed", Describe(RelationshipFromEntity(row)), reasonJson, now);
        }

        var action = row.RowKey.StartsWith(UserPrefix, StringComparison.Ordinal) ? "admin-user-removed" : "row-removed";
        return AuditLog.Entry(customerId, "customer", customerId, actor, action, JsonSerializer.Serialize(row.RowKey, CustomersJsonContext.Default.String), reasonJson, now);
    }

    /// <summary>Gives a reseller delegated administration of the customer; true when it is new.</summary>
    public async Task<bool> AddResellerAsync(Customer customer, Reseller reseller, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var relationship = RelationshipEntity(customer.Id, reseller, actor, now);
        var added = true;
        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, relationship),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customer.Id, "customer", customer.Id, actor, "reseller-added", null, Describe(RelationshipFromEntity(relationship)), now)),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            added = false;
        }

        // Also when it existed: a repeat repairs an index row a crash left out.
        await UpsertIndexAsync(ResellerPartition(reseller.Id), customer, cancellationToken);
        return added;
    }

    /// <summary>Ends a reseller's delegated administration; false when there was none.</summary>
    public async Task<bool> RemoveResellerAsync(Customer customer, string resellerId, string actor, CancellationToken cancellationToken)
    {
        var relationship = await Table.GetOrNullAsync<TableEntity>(customer.Id, ResellerPrefix + resellerId, cancellationToken);
        await DeleteIndexAsync(ResellerPartition(resellerId), customer, cancellationToken);
        if (relationship is null)
        {
            return false;
        }

        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, relationship, relationship.ETag),
                    new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customer.Id, "customer", customer.Id, actor, "reseller-removed", Describe(RelationshipFromEntity(relationship)), null, time.GetUtcNow())),
                ],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Records the customer's admin user (its name only: the password is never stored here).</summary>
    public async Task AddAdminUserAsync(string customerId, string userName, string orderId, string actor, CancellationToken cancellationToken)
    {
        var customer = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerRow, cancellationToken)
            ?? throw new InvalidOperationException($"Customer {customerId} does not exist.");
        if (customer.GetString("AdminUserName") == userName)
        {
            return;
        }

        var before = FromEntity(customer);
        var after = before with { AdminUserName = userName };
        var now = time.GetUtcNow();
        await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(after), customer.ETag),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(customerId, UserPrefix + userName) { ["UserName"] = userName, ["Role"] = "GlobalAdministrator", ["OrderId"] = orderId, ["CreatedAt"] = now }),
                new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "customer", customerId, actor, "admin-user-created", Describe(before), Describe(after), now)),
            ],
            cancellationToken);
    }

    /// <summary>Removes the admin user (compensation). Safe to repeat.</summary>
    public async Task RemoveAdminUserAsync(string customerId, string userName, string actor, CancellationToken cancellationToken)
    {
        var customer = await Table.GetOrNullAsync<TableEntity>(customerId, CustomerRow, cancellationToken);
        var user = await Table.GetOrNullAsync<TableEntity>(customerId, UserPrefix + userName, cancellationToken);
        var actions = new List<TableTransactionAction>();
        if (user is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, user, ETag.All));
        }

        if (customer is not null && customer.GetString("AdminUserName") is not null)
        {
            var before = FromEntity(customer);
            var after = before with { AdminUserName = null };
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(after), customer.ETag));
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "customer", customerId, actor, "admin-user-removed", Describe(before), Describe(after), time.GetUtcNow())));
        }
        else if (user is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, AuditLog.Entry(customerId, "customer", customerId, actor, "admin-user-removed", JsonSerializer.Serialize(user.RowKey, CustomersJsonContext.Default.String), null, time.GetUtcNow())));
        }

        // The user row goes with the audit row (and the customer's change) in one transaction.
        if (actions.Count > 0)
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    public async Task<bool> HasUserAsync(string customerId, string userName, CancellationToken cancellationToken) =>
        await Table.GetOrNullAsync<TableEntity>(customerId, UserPrefix + userName, cancellationToken) is not null;

    /// <summary>
    /// A page of the customers list: one partition of the index (<c>all</c>, or the reseller's), optionally the
    /// names starting with <paramref name="search"/>.
    /// </summary>
    public async Task<Page<CustomerSummary>> ListAsync(string? resellerId, string? search, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var partition = resellerId is null ? AllPartition : ResellerPartition(resellerId);
        var filter = string.IsNullOrWhiteSpace(search)
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {CustomerNames.KeyText(search)} and RowKey lt {CustomerNames.KeyText(search) + "\uffff"}");
        await foreach (var page in Index.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize))
        {
            return new Page<CustomerSummary>(page.Values.Select(SummaryFromEntity).ToList(), page.ContinuationToken);
        }

        return new Page<CustomerSummary>([], null);
    }

    public static string IndexRowKey(Customer customer) => $"{CustomerNames.KeyText(customer.CompanyName)}|{customer.Id}";

    private async Task UpsertIndexAsync(string partition, Customer c, CancellationToken cancellationToken) =>
        await Index.UpsertEntityAsync(
            new TableEntity(partition, IndexRowKey(c))
            {
                ["CustomerId"] = c.Id,
                ["CompanyName"] = c.CompanyName,
                ["DomainPrefix"] = c.DomainPrefix,
                ["AssociatedPartnerId"] = c.AssociatedPartnerId,
                ["CreatedAt"] = c.CreatedAt,
                ["Imported"] = c.Imported,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    private async Task DeleteIndexAsync(string partition, Customer c, CancellationToken cancellationToken)
    {
        try
        {
            await Index.DeleteEntityAsync(partition, IndexRowKey(c), ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.IsNotFound())
        {
            // Already gone.
        }
    }

    private static CustomerSummary SummaryFromEntity(TableEntity e) => new(
        e.GetString("CustomerId"),
        e.GetString("CompanyName"),
        e.GetString("DomainPrefix"),
        e.GetString("AssociatedPartnerId"),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetBoolean("Imported") ?? false);

    private static TableEntity RelationshipEntity(string customerId, Reseller reseller, string actor, DateTimeOffset now) => new(customerId, ResellerPrefix + reseller.Id)
    {
        ["CompanyName"] = reseller.CompanyName,
        ["MpnId"] = reseller.MpnId,
        ["Since"] = now,
        ["AddedBy"] = actor,
    };

    private static CustomerReseller RelationshipFromEntity(TableEntity e) => new(
        e.RowKey[ResellerPrefix.Length..],
        e.GetString("CompanyName"),
        e.GetString("MpnId"),
        e.GetDateTimeOffset("Since") ?? default,
        e.GetString("AddedBy"));

    private static string Describe(Customer customer) => JsonSerializer.Serialize(customer, CustomersJsonContext.Default.Customer);

    private static string Describe(CustomerReseller relationship) => JsonSerializer.Serialize(relationship, CustomersJsonContext.Default.CustomerReseller);

    private static TableEntity ToEntity(Customer c) => new(c.Id, CustomerRow)
    {
        ["CompanyName"] = c.CompanyName,
        ["DomainPrefix"] = c.DomainPrefix,
        ["Email"] = c.Email,
        ["Culture"] = c.Culture,
        ["Language"] = c.Language,
        ["Address"] = c.Address is null ? null : JsonSerializer.Serialize(c.Address, CustomersJsonContext.Default.Address),
        ["Contact"] = c.Contact is null ? null : JsonSerializer.Serialize(c.Contact, CustomersJsonContext.Default.Contact),
        ["AssociatedPartnerId"] = c.AssociatedPartnerId,
        ["AdminUserName"] = c.AdminUserName,
        ["PartnerCenterId"] = c.PartnerCenterId,
        ["OrderId"] = c.OrderId,
        ["CreatedAt"] = c.CreatedAt,
        ["Imported"] = c.Imported,
        ["ImportId"] = c.ImportId,
        ["LinkedByImportId"] = c.LinkedByImportId,
    };

    private static Customer FromEntity(TableEntity e) => new()
    {
        Id = e.PartitionKey,
        CompanyName = e.GetString("CompanyName"),
        DomainPrefix = e.GetString("DomainPrefix"),
        Email = e.GetString("Email"),
        Culture = e.GetString("Culture"),
        Language = e.GetString("Language"),
        Address = e.GetString("Address") is { } address ? JsonSerializer.Deserialize(address, CustomersJsonContext.Default.Address) : null,
        Contact = e.GetString("Contact") is { } contact ? JsonSerializer.Deserialize(contact, CustomersJsonContext.Default.Contact) : null,
        AssociatedPartnerId = e.GetString("AssociatedPartnerId"),
        AdminUserName = e.GetString("AdminUserName"),
        PartnerCenterId = e.GetString("PartnerCenterId"),
        OrderId = e.GetString("OrderId"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        Imported = e.GetBoolean("Imported") ?? false,
        ImportId = e.GetString("ImportId"),
        LinkedByImportId = e.GetString("LinkedByImportId"),
        ETag = e.ETag.ToString(),
    };
}
