using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.Email;
using Tier2.Functions.Hosting;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// Reports what still points at a reseller that is suspended or gone: customers delegated to it, subscriptions
/// with it as partner of record (incentives) or designated support contact. Nothing is changed automatically
/// (the provider decides); the run lists every finding and the provider is emailed a summary.
/// </summary>
public sealed class AssociationsJob(
    CustomerStore customers,
    ResellerStore resellers,
    IEmailSender email,
    IOptions<AppOptions> app) : IReconciliationJob
{
    public string Name => nameof(ReconciliationTimers.ReconcileAssociations);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
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
        await foreach (var row in scan.RowsAsync((continuation, pageSize) => customers.Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize), cancellationToken))
        {
            var customerId = row.PartitionKey;
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

        if (findings.Count > 0)
        {
            await email.SendAsync(Summary(findings).ToMessage(app.Value.ProviderEmail, app.Value.ProviderName, $"Tier2: {findings.Count} associations with suspended or removed resellers"), $"reconciliation:{Name}:{context.RunId}", cancellationToken);
        }

        return new JobOutcome(scan.Examined, 0, findings.Count, scan.Continuation, findings);
    }

    private static EmailContent Summary(List<string> findings)
    {
        var builder = new EmailContentBuilder()
            .Heading("Associations that need your attention")
            .Paragraph("These customers and subscriptions are still associated with a reseller that is suspended or no longer exists. Reassign the partner of record or support contact, remove the delegation, or reactivate the reseller.");
        foreach (var finding in findings.Take(200))
        {
            builder.Paragraph("• " + finding);
        }

        if (findings.Count > 200)
        {
            builder.Paragraph($"… and {findings.Count - 200} more: see GET /api/reconciliation/runs?job=ReconcileAssociations.");
        }

        return builder.Footer("Sent by the Tier2 reconciliation job ReconcileAssociations.").Build();
    }
}
