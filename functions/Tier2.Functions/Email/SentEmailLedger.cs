using Azure;
using Azure.Data.Tables;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Email;

/// <summary>An email an orchestration step sent, as the ledger recorded it.</summary>
public sealed record SentEmail(string InstanceId, string Step, string To, string Subject, string ProviderMessageId, DateTimeOffset SentAt);

/// <summary>
/// What orchestration steps have emailed, one row per (orchestration instance, step): partition = instance id,
/// row = step (both escaped with <see cref="TableKeys.Escape"/>). An email activity runs at least once; it looks
/// here before sending and writes here after a successful send, so a re-run after a crash finds the row and sends
/// nothing. The same <see cref="Key"/> goes to <see cref="IEmailSender.SendAsync"/> as the idempotency key, which
/// covers the window between the send and the write.
/// </summary>
public sealed class SentEmailLedger(TableServiceClient tables, StorageNames names)
{
    public const string TableName = "SentEmails";

    public TableClient Table => tables.GetTableClient(names.Table(TableName));

    /// <summary>The idempotency key of the email <paramref name="step"/> of <paramref name="instanceId"/> sends.</summary>
    public static string Key(string instanceId, string step) => $"{instanceId}:{step}";

    public async Task<SentEmail?> FindAsync(string instanceId, string step, CancellationToken cancellationToken)
    {
        var entity = await Table.GetOrNullAsync<TableEntity>(TableKeys.Escape(instanceId), TableKeys.Escape(step), cancellationToken);
        return entity is null
            ? null
            : new SentEmail(instanceId, step, entity.GetString("To") ?? string.Empty, entity.GetString("Subject") ?? string.Empty, entity.GetString("ProviderMessageId") ?? string.Empty, entity.GetDateTimeOffset("SentAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue);
    }

    /// <summary>Records a sent email. A row already there (an earlier run got this far) wins: the first record is kept and returned.</summary>
    public async Task<SentEmail> RecordAsync(SentEmail sent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var entity = new TableEntity(TableKeys.Escape(sent.InstanceId), TableKeys.Escape(sent.Step))
        {
            ["To"] = sent.To,
            ["Subject"] = sent.Subject,
            ["ProviderMessageId"] = sent.ProviderMessageId,
            ["SentAt"] = sent.SentAt,
        };
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken);
            return sent;
        }
        catch (RequestFailedException ex) when (ex.IsConflict())
        {
            return await FindAsync(sent.InstanceId, sent.Step, cancellationToken) ?? sent;
        }
    }
}
