using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.CustomerImports;

[JsonConverter(typeof(JsonStringEnumConverter<CustomerImportStatus>))]
public enum CustomerImportStatus
{
    /// <summary>Reading Partner Center's customers of the reseller and linking them; poll until it ends.</summary>
    Running,

    /// <summary>Every page was read and every customer linked, imported or found unchanged (see the counts).</summary>
    Completed,

    /// <summary>Partner Center could not be read to the end after the retries; what was linked stays, a new import picks up the rest.</summary>
    Failed,
}

/// <summary>What one import did. A re-run counts the rows it made or linked itself (a retry after a crash) as it did the first time.</summary>
/// <param name="Listed">Customers Partner Center listed for the reseller (all pages).</param>
/// <param name="Linked">Tier2 rows that existed (by Partner Center id or domain) and were linked to Partner Center and the reseller.</param>
/// <param name="Imported">New rows, marked imported, delegated to the reseller.</param>
/// <param name="Unchanged">Rows already linked to Partner Center and delegated to the reseller.</param>
/// <param name="Skipped">Listed customers Tier2 could not take (see the notes: a domain held by another Partner Center customer, an unusable id).</param>
public sealed record CustomerImportCounts(int Listed, int Linked, int Imported, int Unchanged, int Skipped)
{
    public static readonly CustomerImportCounts None = new(0, 0, 0, 0, 0);
}

/// <summary>
/// The latest import of a reseller's existing customers from Partner Center (one a reseller, replaced by the next):
/// the status the portal polls, the counts, and why it failed. It owns its status: <see cref="Start"/>,
/// <see cref="Complete"/> and <see cref="Fail"/> decide every change.
/// </summary>
public sealed record CustomerImport
{
    public required string ResellerId { get; init; }

    /// <summary>This import's id; its orchestration is <c>customer-import-{resellerId}-{importId}</c>.</summary>
    public required string ImportId { get; init; }

    public required CustomerImportStatus Status { get; init; }

    public required string StartedBy { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public CustomerImportCounts? Counts { get; init; }

    /// <summary>What Tier2 could not take, one line a customer (at most <see cref="MaxNotes"/>).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Why a Failed import stopped (the last error; its details are in the orchestration's history and the logs).</summary>
    public string? Error { get; init; }

    [JsonIgnore]
    public string? ETag { get; init; }

    public const int MaxNotes = 50;

    /// <summary>
    /// A new import, unless one is running: then that one is the answer (a second click, a retried POST), so two imports of
    /// the same reseller never run at once.
    /// </summary>
    public static Transition<CustomerImport> Start(CustomerImport? latest, string resellerId, string importId, string actor, DateTimeOffset now) =>
        latest is { Status: CustomerImportStatus.Running }
            ? Transition<CustomerImport>.Stay()
            : Transition<CustomerImport>.To(new CustomerImport { ResellerId = resellerId, ImportId = importId, Status = CustomerImportStatus.Running, StartedBy = actor, StartedAt = now });

    /// <summary>The import read every page: Completed with its counts. A repeat (the finishing activity retried) changes nothing.</summary>
    public Transition<CustomerImport> Complete(string importId, CustomerImportCounts counts, IReadOnlyList<string> notes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(notes);
        return Finish(importId, CustomerImportStatus.Completed, this with { Counts = counts, Notes = [.. notes.Take(MaxNotes)], CompletedAt = now });
    }

    /// <summary>The import gave up after its retries: Failed with the reason.</summary>
    public Transition<CustomerImport> Fail(string importId, string error, DateTimeOffset now) =>
        Finish(importId, CustomerImportStatus.Failed, this with { Error = error, CompletedAt = now });

    private Transition<CustomerImport> Finish(string importId, CustomerImportStatus to, CustomerImport next)
    {
        if (!string.Equals(ImportId, importId, StringComparison.Ordinal))
        {
            return Transition<CustomerImport>.Refuse($"Import {importId} is no longer the reseller's latest (it is {ImportId}).");
        }

        if (Status == to)
        {
            return Transition<CustomerImport>.Stay();
        }

        return Status != CustomerImportStatus.Running
            ? Transition<CustomerImport>.Refuse($"Import {importId} is {Status}; only a Running import ends.")
            : Transition<CustomerImport>.To(next with { Status = to });
    }
}
