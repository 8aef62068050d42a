using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Tier2.Functions.Email;
using Tier2.Functions.Invites;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.Reconciliation;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

/// <summary>
/// Reconciliation job: Tier2's resellers follow Partner Center's list of the provider's indirect resellers (the
/// provider-to-reseller partnership is accepted or removed in the Partner Center portal only; no webhook announces it).
/// Each run reads the list and the audit records <c>create_partner_relationship</c> / <c>remove_partner_relationship</c>
/// of the last 89 days (Partner Center keeps 90), then:
/// <list type="bullet">
/// <item>links a reseller that waits for Partner Center once it is listed with its agreement signed (Active; a welcome email);</item>
/// <item>imports a listed reseller Tier2 does not know (marked imported, no invite);</item>
/// <item>suspends a linked, Active reseller Partner Center no longer lists, with the reason (the removal's audit record when there is one).</item>
/// </list>
/// Every change is one of the reseller's transitions, so a re-run finds nothing left to do. An empty list suspends only
/// resellers whose removal is audited: an empty answer is likelier a fault than every partnership ending at once.
/// </summary>
public sealed class PartnerCenterResellerSync(
    ResellerStore resellers,
    IServiceProvider services,
    IOptions<PartnerCenterOptions> options,
    InviteEmails emails,
    IEmailSender email) : IReconciliationJob
{
    private const string Actor = "reconciliation:" + nameof(ReconciliationTimers.SyncPartnerCenterResellers);

    /// <summary>How far back the audit records are read: inside Partner Center's 90-day limit (a start beyond it is refused).</summary>
    private static readonly TimeSpan AuditWindow = TimeSpan.FromDays(89);

    public string Name => nameof(ReconciliationTimers.SyncPartnerCenterResellers);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.Value.IsEnabled)
        {
            return new JobOutcome(0, 0, 0, null, ["Partner Center is Disabled (PartnerCenter__Mode): nothing to sync."]);
        }

        var partnerCenter = services.GetRequiredService<PartnerCenterResellers>();
        IReadOnlyDictionary<string, PartnerRelationship> listed;
        try
        {
            listed = await partnerCenter.ListAsync(cancellationToken);
        }
        catch (PartnerCenterException ex) when (PartnerCenterResellers.IsConnectionProblem(ex))
        {
            return new JobOutcome(0, 0, 1, context.Checkpoint, [$"Partner Center could not be asked: {ex.Message}"]);
        }

        var run = new SyncRun(context.Now);
        var audit = await ReadAuditAsync(services.GetRequiredService<PartnerCenterClient>(), context.Now, run, cancellationToken);
        foreach (var relationship in listed.Values.OrderBy(r => r.MpnId, StringComparer.Ordinal))
        {
            run.Examined++;
            await FollowListedAsync(partnerCenter, relationship, audit, run, cancellationToken);
        }

        var scan = new JobScan(context);
        var activeRows = TableClient.CreateQueryFilter($"PartitionKey eq {ResellerStore.Partition} and RowKey ge {"r|"} and RowKey lt {"r}"} and Status eq {nameof(ResellerStatus.Active)}");
        await foreach (var row in scan.RowsAsync((continuation, pageSize) => resellers.Table.QueryAsync<TableEntity>(activeRows, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize), cancellationToken))
        {
            await FollowUnlistedAsync(row, listed, audit, run, cancellationToken);
        }

        return new JobOutcome(run.Examined + scan.Examined, run.Changed, run.Reported, scan.Continuation, run.Details);
    }

    /// <summary>A reseller Partner Center lists: import it, link it, or nothing.</summary>
    private async Task FollowListedAsync(PartnerCenterResellers partnerCenter, PartnerRelationship relationship, AuditTrail audit, SyncRun run, CancellationToken cancellationToken)
    {
        var tenantId = Guid.Parse(relationship.Id);
        var id = await resellers.FindIdByMpnAsync(relationship.MpnId!, cancellationToken) ?? await resellers.FindIdByTenantAsync(tenantId, cancellationToken);
        var known = id is null ? null : await resellers.GetAsync(id, cancellationToken);
        var accepted = audit.CreatedAt(relationship) is { } at ? $" (partnership created in Partner Center {Day(at)})" : string.Empty;
        if (known is null)
        {
            var standing = await partnerCenter.StandingAsync(relationship, cancellationToken);
            var created = await resellers.CreateAsync(Reseller.Imported(standing, run.Now), Actor, cancellationToken);
            if (created.MpnTakenBy is { } holder)
            {
                run.Report($"PartnerID {standing.MpnId} ({standing.Name}) is listed in Partner Center but held by reseller {holder}, which could not be read");
            }
            else if (created.Created)
            {
                run.Change($"imported {standing.Name} (PartnerID {standing.MpnId}, tenant {standing.TenantId}) as {created.Reseller!.Status}{accepted}");
            }

            return;
        }

        var needsLink = known.Status == ResellerStatus.AwaitingPartnerCenter
            || (known.Status == ResellerStatus.Active && (known.LinkedAt is null || known.TenantId != tenantId));
        if (!needsLink)
        {
            return;
        }

        var found = await partnerCenter.StandingAsync(relationship, cancellationToken);
        var result = await resellers.ApplyAsync(known.Id, Actor, "linked", r => r.Link(found, run.Now), cancellationToken);
        switch (result.Outcome)
        {
            case ChangeOutcome.Changed when result.Value!.Status == ResellerStatus.Active:
                run.Change($"linked {known.CompanyName} (PartnerID {known.MpnId}, tenant {found.TenantId}){accepted}");
                if (known.Status == ResellerStatus.AwaitingPartnerCenter && known.ContactEmail.Length > 0)
                {
                    var welcome = emails.Welcome(result.Value);
                    await email.SendAsync(welcome.ToMessage(known.ContactEmail, known.ContactName), $"reseller-linked:{known.Id}", cancellationToken);
                }

                break;
            case ChangeOutcome.Changed:
                run.Change($"{known.CompanyName} (PartnerID {known.MpnId}) is listed but still waits: {result.Value!.AwaitingReason}");
                break;
            case ChangeOutcome.InvalidState or ChangeOutcome.PreconditionFailed:
                run.Report($"{known.CompanyName} (PartnerID {known.MpnId}) could not be linked: {result.Reason ?? "it changed meanwhile; the next run tries again"}");
                break;
        }
    }

    /// <summary>An Active reseller: suspended when it was linked and Partner Center no longer lists it.</summary>
    private async Task FollowUnlistedAsync(TableEntity row, IReadOnlyDictionary<string, PartnerRelationship> listed, AuditTrail audit, SyncRun run, CancellationToken cancellationToken)
    {
        var mpnId = row.GetString("MpnId");
        if (listed.ContainsKey(mpnId))
        {
            return;
        }

        var id = row.RowKey[2..];
        var name = row.GetString("CompanyName");
        if (row.GetDateTimeOffset("LinkedAt") is null)
        {
            run.Report($"{name} (PartnerID {mpnId}) is Active but Partner Center does not list it as an indirect reseller (it was never linked)");
            return;
        }

        var removal = audit.RemovedBy(mpnId, row.GetGuid("TenantId"));
        if (listed.Count == 0 && removal is null)
        {
            run.Report($"{name} (PartnerID {mpnId}) is not listed, but Partner Center listed no reseller at all and audited no removal: not suspended");
            return;
        }

        var reason = removal is { } record
            ? $"The partnership was removed in Partner Center {Day(record.OperationDate ?? run.Now)}{(record.UserPrincipalName is { Length: > 0 } by ? " by " + by : string.Empty)}."
            : "Partner Center no longer lists the reseller as the provider's indirect reseller.";
        var result = await resellers.ApplyAsync(id, Actor, "removed-in-partner-center", r => r.RemoveFromPartnerCenter(reason, run.Now), cancellationToken);
        if (result.Outcome == ChangeOutcome.Changed)
        {
            run.Change($"suspended {name} (PartnerID {mpnId}): {reason}");
        }
        else if (result.Outcome is ChangeOutcome.InvalidState or ChangeOutcome.PreconditionFailed)
        {
            run.Report($"{name} (PartnerID {mpnId}) could not be suspended: {result.Reason ?? "it changed meanwhile; the next run tries again"}");
        }
    }

    private static async Task<AuditTrail> ReadAuditAsync(PartnerCenterClient client, DateTimeOffset now, SyncRun run, CancellationToken cancellationToken)
    {
        var trail = new AuditTrail();
        try
        {
            // No end date: it would be cut to the second and miss what happened within the current one.
            await foreach (var record in client.AuditRecords.ListAsync(now - AuditWindow, cancellationToken: cancellationToken))
            {
                trail.Add(record);
            }
        }
        catch (PartnerCenterException ex)
        {
            // The list alone still decides; only the reasons' dates and authors are missing.
            run.Report($"Partner Center's audit records could not be read ({ex.Message}); removals are reported without their date");
        }

        return trail;
    }

    private static string Day(DateTimeOffset at) => "on " + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>What one run did, for its <see cref="JobOutcome"/>.</summary>
    private sealed class SyncRun(DateTimeOffset now)
    {
        public DateTimeOffset Now { get; } = now;

        public int Examined { get; set; }

        public int Changed { get; private set; }

        public int Reported { get; private set; }

        public List<string> Details { get; } = [];

        public void Change(string detail)
        {
            Changed++;
            Details.Add(detail);
        }

        public void Report(string detail)
        {
            Reported++;
            Details.Add(detail);
        }
    }

    /// <summary>
    /// The latest <c>create_partner_relationship</c> and <c>remove_partner_relationship</c> record per PartnerID and per
    /// tenant. Which reseller a record is about comes from its <c>resourceNewValue</c> (the PartnerRelationship: id, mpnId),
    /// else from its <c>customizedData</c> (PartnerId, TenantId); the record's exact shape is UNVERIFIED (FACTS 10).
    /// </summary>
    private sealed class AuditTrail
    {
        private readonly Dictionary<string, AuditRecord> _created = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, AuditRecord> _removed = new(StringComparer.OrdinalIgnoreCase);

        public void Add(AuditRecord record)
        {
            var into = record.OperationType switch
            {
                "create_partner_relationship" => _created,
                "remove_partner_relationship" => _removed,
                _ => null,
            };
            if (into is null)
            {
                return;
            }

            foreach (var key in Keys(record))
            {
                if (!into.TryGetValue(key, out var seen) || (seen.OperationDate ?? default) < (record.OperationDate ?? default))
                {
                    into[key] = record;
                }
            }
        }

        public DateTimeOffset? CreatedAt(PartnerRelationship relationship) =>
            (_created.GetValueOrDefault(relationship.MpnId ?? string.Empty) ?? _created.GetValueOrDefault(relationship.Id))?.OperationDate;

        /// <summary>The latest removal of this reseller, unless a later create put it back.</summary>
        public AuditRecord? RemovedBy(string mpnId, Guid? tenantId)
        {
            var removed = _removed.GetValueOrDefault(mpnId) ?? (tenantId is { } t ? _removed.GetValueOrDefault(t.ToString("D")) : null);
            var created = _created.GetValueOrDefault(mpnId);
            return removed is not null && (created is null || (created.OperationDate ?? default) <= (removed.OperationDate ?? default)) ? removed : null;
        }

        private static IEnumerable<string> Keys(AuditRecord record)
        {
            if (record.ResourceNewValue is { Length: > 0 } value)
            {
                JsonDocument? document = null;
                try
                {
                    document = JsonDocument.Parse(value);
                }
                catch (JsonException)
                {
                    // Not JSON: the customized data may still say who it is about.
                }

                using (document)
                {
                    if (document?.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var property in document.RootElement.EnumerateObject())
                        {
                            if (property.Value.ValueKind == JsonValueKind.String && property.Name.ToUpperInvariant() is "ID" or "MPNID" or "PARTNERID")
                            {
                                yield return property.Value.GetString()!;
                            }
                        }
                    }
                }
            }

            if (record.Extra?.GetValueOrDefault("customizedData") is { ValueKind: JsonValueKind.Array } data)
            {
                foreach (var pair in data.EnumerateArray())
                {
                    if (pair.ValueKind == JsonValueKind.Object && pair.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String
                        && pair.TryGetProperty("key", out var k) && k.GetString() is "PartnerId" or "TenantId")
                    {
                        yield return v.GetString()!;
                    }
                }
            }
        }
    }
}
