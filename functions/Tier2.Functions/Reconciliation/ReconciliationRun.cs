using System.Text.Json.Serialization;

namespace Tier2.Functions.Reconciliation;

[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    Succeeded,
    Failed,

    /// <summary>Another instance of the app held the job's lease: this run did nothing.</summary>
    Skipped,
}

/// <summary>The record of one run, as <c>GET /api/reconciliation/runs</c> lists it.</summary>
public sealed record ReconciliationRun(
    string Job,
    string RunId,
    RunStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int Examined,
    int Changed,
    int Reported,
    bool Complete,
    string? Error,
    IReadOnlyList<string> Details);
