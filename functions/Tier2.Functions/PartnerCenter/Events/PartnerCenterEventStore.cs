using System.Text.Json;
using Azure.Data.Tables;
using Tier2.Functions.Storage;
using ETag = Azure.ETag;
using RequestFailedException = Azure.RequestFailedException;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>
/// Received events, in table <c>PartnerCenterEvents</c>: partition = the event's id (the SHA-256 of its body), row
/// <c>event</c>. A row is added once, so a repeated body (Partner Center retries for days, then keeps undelivered
/// events in an offline queue; a replay by anyone) finds it and changes nothing. Rows are kept, not expired: they are
/// the record of what Partner Center said and what Tier2 did about it.
/// </summary>
public sealed class PartnerCenterEventStore(TableServiceClient tables, StorageNames names)
{
    public const string TableName = "PartnerCenterEvents";
    private const string Row = "event";

    private TableClient Table => tables.GetTableClient(names.Table(TableName));

    /// <summary>Adds the event; when its id is already there, returns the stored row and false.</summary>
    public async Task<(ReceivedPartnerCenterEvent Event, bool Added)> AddAsync(ReceivedPartnerCenterEvent received, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(received);
        try
        {
            await Table.AddEntityAsync(ToEntity(received), cancellationToken);
            return (received, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return ((await GetAsync(received.Id, cancellationToken))!, false);
        }
    }

    public async Task<ReceivedPartnerCenterEvent?> GetAsync(string id, CancellationToken cancellationToken) =>
        await Table.GetOrNullAsync<TableEntity>(id, Row, cancellationToken) is { } e ? FromEntity(e) : null;

    /// <summary>Records the outcome, unless the event already has one (the first outcome stands).</summary>
    public async Task<ReceivedPartnerCenterEvent> FinishAsync(string id, PartnerCenterEventOutcome outcome, string detail, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(id, Row, cancellationToken) ?? throw new InvalidOperationException($"Partner Center event {id} is not stored.");
        var received = FromEntity(entity);
        if (received.Finish(outcome, detail, now) is not { } finished)
        {
            return received;
        }

        await Table.UpdateEntityAsync(ToEntity(finished), new ETag(entity.ETag.ToString()), TableUpdateMode.Replace, cancellationToken);
        return finished;
    }

    private static TableEntity ToEntity(ReceivedPartnerCenterEvent e) => new(e.Id, Row)
    {
        ["EventName"] = e.Event.EventName,
        ["Event"] = JsonSerializer.Serialize(e.Event, PartnerCenterEventsJsonContext.Default.PartnerCenterEvent),
        ["ReceivedAt"] = e.ReceivedAt,
        ["Outcome"] = e.Outcome.ToString(),
        ["Detail"] = e.Detail,
        ["FinishedAt"] = e.FinishedAt,
    };

    private static ReceivedPartnerCenterEvent FromEntity(TableEntity e) => new(
        e.PartitionKey,
        JsonSerializer.Deserialize(e.GetString("Event"), PartnerCenterEventsJsonContext.Default.PartnerCenterEvent)!,
        e.GetDateTimeOffset("ReceivedAt") ?? default,
        Enum.Parse<PartnerCenterEventOutcome>(e.GetString("Outcome")),
        e.GetString("Detail"),
        e.GetDateTimeOffset("FinishedAt"));
}
