using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Resellers;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// Reports what still points at a reseller that is suspended or gone: customers delegated to it, subscriptions
/// with it as partner of record (incentives) or designated support contact. Nothing is changed automatically
/// (the provider decides); the run lists every finding and the provider is emailed a summary.
/// When Partner Center is Enabled it also compares each customer and subscription that carries a Partner Center id
/// with Partner Center, then lists the customers of linked resellers that only Partner Center has
/// (<see cref="PartnerCenterDriftCheck"/>); both phases share the run's budget and checkpoint.
/// </summary>
public sealed class AssociationsJob(
    CustomerStore customers,
    ResellerStore resellers,
    IServiceProvider services,
    IOptions<PartnerCenterOptions> partnerCenterOptions,
    IEmailSender email,
    IOptions<AppOptions> app) : IReconciliationJob
{
    public string Name => nameof(ReconciliationTimers.ReconcileAssociations);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var compares = partnerCenterOptions.Value.IsEnabled;
        var drift = new DriftRun(compares ? services.GetRequiredService<PartnerCenterDriftCheck>() : null);
        if (compares && context.Checkpoint is { } mark && mark.StartsWith(PartnerCenterDriftCheck.ResellersCheckpoint, StringComparison.Ordinal))
        {
            // The rows were done in an earlier run: this one goes on with Partner Center's customers.
            var after = mark[PartnerCenterDriftCheck.ResellersCheckpoint.Length..];
            var next = await CustomersOnlyInPartnerCenterAsync(after.Length == 0 ? null : after, context.Budget, drift, cancellationToken);
            return await FinishAsync(context, [], drift, drift.Examined, next, cancellationToken);
        }

        // The customer row (RowKey "customer") is read only to compare it with Partner Center.
        var filter = compares
            ? TableClient.CreateQueryFilter(
                $"RowKey eq {CustomerStore.CustomerRow} or (RowKey ge {CustomerStore.ResellerPrefix} and RowKey lt {"reseller}"}) or (RowKey ge {CustomerStore.SubscriptionPrefix} and RowKey lt {"sub}"})")
            : TableClient.CreateQueryFilter(
                $"(RowKey ge {CustomerStore.ResellerPrefix} and RowKey lt {"reseller}"}) or (RowKey ge {CustomerStore.SubscriptionPrefix} and RowKey lt {"sub}"})");
        var statuses = new Dictionary<string, Reseller?>(StringComparer.Ordinal);
        async Task<string?> ProblemWithAsync(string? resellerId)
        {
            if (string.IsNullOrEmpty(resellerId))
            {
                return null;
            }

            if (!statuses.TryGetValue(resellerId, out var reseller))
            {
                reseller = await resellers.GetAsync(resellerId, cancellationToken);
                statuses[resellerId] = reseller;
            }

            return reseller switch
            {
                null => $"reseller {resellerId} no longer exists",
                { Status: ResellerStatus.Suspended } => $"reseller {reseller.CompanyName} (MPN {reseller.MpnId}) is suspended",
                _ => null,
            };
        }

        var findings = new List<string>();
        var scan = new JobScan(context);
        var comparing = compares;
        await foreach (var row in scan.RowsAsync((continuation, pageSize) => customers.Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize), cancellationToken))
        {
            var customerId = row.PartitionKey;
            if (comparing && !await CompareAsync(row, context, drift, cancellationToken))
            {
                comparing = false;
            }

            if (row.RowKey == CustomerStore.CustomerRow)
            {
                continue;
            }

            if (row.RowKey.StartsWith(CustomerStore.ResellerPrefix, StringComparison.Ordinal))
            {
                if (await ProblemWithAsync(row.RowKey[CustomerStore.ResellerPrefix.Length..]) is { } problem)
                {
                    findings.Add($"customer {customerId} is delegated to a {problem}");
                }

                continue;
            }

            var subscription = $"subscription {customerId}/{row.RowKey[CustomerStore.SubscriptionPrefix.Length..]} ({row.GetString("OfferName")})";
            if (await ProblemWithAsync(row.GetString("PartnerOfRecordResellerId")) is { } partner)
            {
                findings.Add($"{subscription}: partner of record {partner}");
            }

            if (await ProblemWithAsync(row.GetString("SupportContactResellerId")) is { } support)
            {
                findings.Add($"{subscription}: designated support contact {support}");
            }
        }

        var continuation = scan.Continuation;
        if (comparing && continuation is null)
        {
            // Every row was compared: Partner Center's side next, in this run while the budget lasts.
            continuation = await CustomersOnlyInPartnerCenterAsync(null, context.Budget - scan.Examined, drift, cancellationToken);
        }

        return await FinishAsync(context, findings, drift, scan.Examined + drift.Examined, continuation, cancellationToken);
    }

    /// <summary>Compares one row with Partner Center; false when Partner Center cannot be asked (the run stops comparing and says so once).</summary>
    private async Task<bool> CompareAsync(TableEntity row, JobContext context, DriftRun drift, CancellationToken cancellationToken)
    {
        try
        {
            if (!drift.Customers.TryGetValue(row.PartitionKey, out var customer))
            {
                drift.Customers[row.PartitionKey] = customer = await customers.GetAsync(row.PartitionKey, cancellationToken);
            }

            if (customer is null)
            {
                return true;
            }

            if (row.RowKey == CustomerStore.CustomerRow)
            {
                await drift.Check!.CustomerAsync(customer, drift, cancellationToken);
            }
            else if (row.RowKey.StartsWith(CustomerStore.SubscriptionPrefix, StringComparison.Ordinal))
            {
                await drift.Check!.SubscriptionAsync(customer, SubscriptionStore.FromEntity(row), context, drift, cancellationToken);
            }

            return true;
        }
        catch (PartnerCenterException ex) when (PartnerCenterDriftCheck.IsOutage(ex))
        {
            drift.Report($"Partner Center could not be asked ({ex.Message}); the rest of this run compares nothing with it");
            return false;
        }
        catch (PartnerCenterException ex)
        {
            // A refusal about one row (a permission, a bad id) must not cost the run its other findings.
            drift.Report($"{row.PartitionKey}/{row.RowKey} could not be compared with Partner Center: {ex.Message}");
            return true;
        }
    }

    /// <summary>The second phase: Partner Center's customers of linked resellers that Tier2 has no row for (the checkpoint to go on from, or null).</summary>
    private static async Task<string?> CustomersOnlyInPartnerCenterAsync(string? afterResellerId, int budget, DriftRun drift, CancellationToken cancellationToken)
    {
        try
        {
            return await drift.Check!.CustomersOfResellersAsync(afterResellerId, budget, drift, cancellationToken);
        }
        catch (PartnerCenterException ex) when (PartnerCenterDriftCheck.IsOutage(ex))
        {
            drift.Report($"Partner Center could not list the customers of linked resellers ({ex.Message}); the next run tries again");
            return PartnerCenterDriftCheck.ResellersCheckpoint + afterResellerId;
        }
    }

    private async Task<JobOutcome> FinishAsync(JobContext context, List<string> findings, DriftRun drift, int examined, string? continuation, CancellationToken cancellationToken)
    {
        if (findings.Count > 0 || drift.Details.Count > 0)
        {
            var subject = (findings.Count, drift.Details.Count) switch
            {
                (_, 0) => $"Tier2: {findings.Count} associations with suspended or removed resellers",
                (0, var differences) => $"Tier2: {differences} differences with Partner Center",
                (var associations, var differences) => $"Tier2: {associations} associations with suspended or removed resellers, {differences} differences with Partner Center",
            };
            await email.SendAsync(Summary(findings, drift.Details).ToMessage(app.Value.ProviderEmail, app.Value.ProviderName, subject), $"reconciliation:{Name}:{context.RunId}", cancellationToken);
        }

        return new JobOutcome(examined, drift.Changed, findings.Count + drift.Reported, continuation, [.. findings, .. drift.Details]);
    }

    private static EmailContent Summary(List<string> findings, List<string> differences)
    {
        var builder = new EmailContentBuilder();
        if (findings.Count > 0)
        {
            builder.Heading("Associations that need your attention")
                .Paragraph("These customers and subscriptions are still associated with a reseller that is suspended or no longer exists. Reassign the partner of record or support contact, remove the delegation, or reactivate the reseller.");
            List(builder, findings);
        }

        if (differences.Count > 0)
        {
            builder.Heading("Differences with Partner Center")
                .Paragraph("What Partner Center changed outside Tier2 is now Tier2's too (Partner Center decides); changes Tier2 asked for that never reached Partner Center were sent again; customers on one side only are listed for you to act on.");
            List(builder, differences);
        }

        return builder.Footer("Sent by the Tier2 reconciliation job ReconcileAssociations.").Build();
    }

    private static void List(EmailContentBuilder builder, List<string> lines)
    {
        foreach (var line in lines.Take(200))
        {
            builder.Paragraph("• " + line);
        }

        if (lines.Count > 200)
        {
            builder.Paragraph($"… and {lines.Count - 200} more: see GET /api/reconciliation/runs?job=ReconcileAssociations.");
        }
    }
}
