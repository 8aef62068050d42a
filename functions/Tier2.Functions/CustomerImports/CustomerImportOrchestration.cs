using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.CustomerImports;

/// <summary>
/// <c>ResellerCustomerImport</c> (input: <see cref="CustomerImportTarget"/>; instance id <see cref="InstanceId"/>): the
/// activity-with-retries pattern. The HTTP request stored the Running import on the reseller first; the import activity
/// reads Partner Center's customers of the reseller page after page and links them, retried with back-off when Partner
/// Center throttles or fails (a retry starts again from the first page: every link is idempotent); then the import is
/// recorded Completed with its counts, or Failed with the reason after the last retry.
/// </summary>
public static class CustomerImportOrchestration
{
    public const string Name = "ResellerCustomerImport";

    public static readonly Activity<CustomerImportTarget, CustomerImportResult> Import = new(nameof(CustomerImportActivities.ResellerCustomerImportRun));
    public static readonly Activity<CustomerImportEnd, bool> Finish = new(nameof(CustomerImportActivities.ResellerCustomerImportFinish));

    internal static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));

    public static string InstanceId(string resellerId, string importId) => $"customer-import-{resellerId}-{importId}";

    [Function(Name)]
    public static async Task<CustomerImportResult?> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.GetInput<CustomerImportTarget>() ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no input.");
        try
        {
            var result = await context.CallAsync(Import, target, Retry);
            await context.CallAsync(Finish, new CustomerImportEnd(target, result, null), Retry);
            return result;
        }
        catch (TaskFailedException ex)
        {
            // The message of a Partner Center failure names the call and Partner Center's code, never a token or a body.
            var reason = $"{ex.FailureDetails.ErrorType}: {ex.FailureDetails.ErrorMessage}";
            await context.CallAsync(Finish, new CustomerImportEnd(target, null, reason.Length > 500 ? reason[..500] : reason), Retry);
            return null;
        }
    }
}

/// <summary>How an import ended: its result, or why it failed.</summary>
public sealed record CustomerImportEnd(CustomerImportTarget Target, CustomerImportResult? Result, string? Error);

/// <summary>The <c>ResellerCustomerImport</c> activities.</summary>
public sealed class CustomerImportActivities(ResellerCustomerImporter importer, CustomerImportStore imports, TimeProvider time)
{
    [Function(nameof(ResellerCustomerImportRun))]
    public Task<CustomerImportResult> ResellerCustomerImportRun([ActivityTrigger] CustomerImportTarget target, CancellationToken cancellationToken) =>
        importer.RunAsync(target, cancellationToken);

    /// <summary>Records the end on the import (a repeat finds it ended and changes nothing).</summary>
    [Function(nameof(ResellerCustomerImportFinish))]
    public async Task<bool> ResellerCustomerImportFinish([ActivityTrigger] CustomerImportEnd end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(end);
        var target = end.Target;
        var now = time.GetUtcNow();
        var result = await imports.ApplyAsync(
            target.ResellerId,
            target.StartedBy,
            end.Result is null ? "customer-import-failed" : "customer-import-completed",
            latest => latest is null ? Storage.Transition<CustomerImport>.Refuse("No import is recorded.")
                : end.Result is { } r ? latest.Complete(target.ImportId, r.Counts, r.Notes, now)
                : latest.Fail(target.ImportId, end.Error ?? "The import failed.", now),
            cancellationToken);
        return result.Outcome == Storage.ChangeOutcome.PreconditionFailed
            ? throw new InvalidOperationException($"Import {target.ImportId} of reseller {target.ResellerId} changed while it was being recorded; trying again.")
            : result.Outcome == Storage.ChangeOutcome.Changed;
    }
}
