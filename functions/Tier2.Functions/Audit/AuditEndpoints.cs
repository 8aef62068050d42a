using Azure.Data.Tables;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tier2.Functions.Auth;
using Tier2.Functions.Customers;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Hosting.OpenApi;
using Tier2.Functions.Invites;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Orders;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Audit;

/// <summary>An audit row as the API shows it: who did what, when, and the entity before and after (JSON).</summary>
public sealed record AuditEntry(string Entity, string Id, string Actor, string Action, DateTimeOffset At, System.Text.Json.JsonElement? Before, System.Text.Json.JsonElement? After);

/// <summary>
/// <c>GET /api/audit?entity=&amp;id=</c> (provider-admin): one entity's audit rows, newest first. Each entity's rows
/// live in its own partition (written in the same transaction as the change), so this is one range query:
/// order -> Orders/order; customer -> Customers/{id}; subscription (id = {customerId}/{subscriptionId}) ->
/// Customers/{customerId}; reseller -> Resellers/reseller; invite -> Invites/invite.
/// </summary>
public static class AuditEndpoints
{
    public static readonly IReadOnlyList<string> Entities = ["order", "customer", "subscription", "reseller", "invite"];

    [Function(nameof(ListAudit))]
    [HttpHandler(nameof(ListAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Audit")]
    [EndpointSummary("The audit trail of one order, customer, subscription ({customerId}/{subscriptionId}), reseller or invite")]
    public static IResult ListAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static async Task<Results<Ok<Page<AuditEntry>>, ValidationProblem>> ListAsync(
        [TakesValues(typeof(AuditEndpoints), nameof(Entities))] string? entity, string? id, string? continuationToken, int? pageSize, TableServiceClient tables, StorageNames names, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (entity is null || !Entities.Contains(entity, StringComparer.Ordinal))
        {
            errors["entity"] = [$"Choose one of {string.Join(", ", Entities)}."];
        }

        if (string.IsNullOrEmpty(id) || id.Length > 200)
        {
            errors["id"] = ["Name the entity's id (1 to 200 characters)."];
        }

        if (pageSize is < 1 or > Paging.MaxPageSize)
        {
            errors["pageSize"] = [Paging.PageSizeMessage];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (Location(entity!, id!) is not { } at)
        {
            return Problem.Field("id", "A subscription's audit id is {customerId}/{subscriptionId}.");
        }

        var scope = $"audit|{entity}|{id}";
        if (Paging.Decode(scope, continuationToken, out var tableToken) is { } badToken)
        {
            return badToken;
        }

        var page = await AuditLog.ReadAsync(tables.GetTableClient(names.Table(at.Table)), at.Partition, entity!, at.EntityId, Paging.Size(pageSize), tableToken, cancellationToken);
        var items = page.Items.Select(e => new AuditEntry(
            e.GetString("EntityType"),
            entity == "subscription" ? id! : e.GetString("EntityId"),
            e.GetString("Actor"),
            e.GetString("Action"),
            e.GetDateTimeOffset("At") ?? default,
            Json(e.GetString("Before")),
            Json(e.GetString("After")))).ToList();
        return TypedResults.Ok(new Page<AuditEntry>(items, ContinuationToken.Encode(scope, page.ContinuationToken)));
    }

    /// <summary>
    /// Where an entity's audit rows are: each store writes them in the entity's own table and partition (in the same
    /// transaction as the change). Null for a subscription id that is not <c>{customerId}/{subscriptionId}</c>.
    /// </summary>
    private static (string Table, string Partition, string EntityId)? Location(string entity, string id)
    {
        switch (entity)
        {
            case "order":
                return (OrderStore.TableName, OrderStore.Partition, id);
            case "customer":
                return (CustomerStore.TableName, id, id);
            case "subscription":
                var parts = id.Split('/');
                return parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0 ? null : (CustomerStore.TableName, parts[0], parts[1]);
            case "reseller":
                return (ResellerStore.TableName, ResellerStore.Partition, id);
            default:
                return (InviteStore.TableName, InviteStore.Partition, id);
        }
    }

    private static System.Text.Json.JsonElement? Json(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            return System.Text.Json.JsonSerializer.SerializeToElement(text, AuditJsonContext.Default.String);
        }
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AuditEntry))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Page<AuditEntry>))]
internal sealed partial class AuditJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

public static class AuditFeature
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(AuditJsonContext.Default));
        return services;
    }
}
