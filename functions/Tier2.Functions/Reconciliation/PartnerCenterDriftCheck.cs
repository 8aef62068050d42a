using System.Net;
using Microsoft.Extensions.Options;
using Tier2.Functions.Customers;
using Tier2.Functions.PartnerCenter;
using Tier2.Functions.PartnerCenter.Events;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using Tier2Customer = Tier2.Functions.Customers.Customer;
using Tier2Subscription = Tier2.Functions.Subscriptions.Subscription;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// The associations job's Partner Center half (<c>PartnerCenter__Mode</c> Enabled). Each subscription row with a Partner
/// Center id is compared with Partner Center (<see cref="SubscriptionDrift"/>): a change Tier2 asked for that never reached
/// Partner Center is driven again through its own <c>SubscriptionChange</c> orchestration (never a PATCH from here); a
/// difference made in Partner Center becomes Tier2's, as the events' re-read does (Partner Center decides), and the
/// finding names who changed it and when from Partner Center's audit records (89 days back: it keeps 90). Customers on
/// one side only are reported, never imported. Calls go through the client, whose limiter keeps under Partner Center's rate.
/// </summary>
public sealed class PartnerCenterDriftCheck(
    PartnerCenterClient partnerCenter,
    CustomerStore customers,
    SubscriptionStore subscriptions,
    ResellerStore resellers,
    IOptions<ReconciliationOptions> options)
{
    public const string Actor = "reconciliation:" + nameof(ReconciliationTimers.ReconcileAssociations);

    /// <summary>The checkpoint of the second phase (customers of linked resellers), followed by the last reseller done.</summary>
    public const string ResellersCheckpoint = "pc-customers|";

    /// <summary>How far back audit records are read: inside Partner Center's 90-day limit (a start beyond it is refused).</summary>
    public static readonly TimeSpan AuditWindow = TimeSpan.FromDays(89);

    /// <summary>Whether Partner Center could not be asked at all (not connected, throttled or down after the retries).</summary>
    public static bool IsOutage(PartnerCenterException exception) => PartnerCenterResellers.IsConnectionProblem(exception)
        || exception?.Kind is PartnerCenterErrorKind.Throttled or PartnerCenterErrorKind.Unavailable;

    /// <summary>A customer row with a Partner Center id: reported when Partner Center no longer has the customer (404).</summary>
    public async Task CustomerAsync(Tier2Customer customer, DriftRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(run);
        if (customer.PartnerCenterId is not { } id || !run.Checked.Add(customer.Id))
        {
            return;
        }

        try
        {
            await partnerCenter.Customers.GetAsync(id, cancellationToken);
        }
        catch (PartnerCenterException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            run.Gone.Add(customer.Id);
            run.Report($"customer {customer.Id} ({customer.CompanyName}) carries Partner Center customer {id}, which Partner Center does not have ({ex.Code}): only Tier2 has it");
        }
    }

    /// <summary>One subscription row: its Tier2-owned change driven again, or compared and, where Partner Center changed it, taken.</summary>
    public async Task SubscriptionAsync(Tier2Customer customer, Tier2Subscription row, JobContext context, DriftRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        if (customer.PartnerCenterId is not { } pcCustomer || row.PartnerCenterSubscriptionId is not { } pcSubscription || run.Gone.Contains(customer.Id))
        {
            return;
        }

        var label = $"subscription {row.CustomerId}/{row.Id} ({row.OfferName}, Partner Center {pcSubscription})";
        var threshold = context.Now - options.Value.StuckThreshold;
        if ((row.PendingChange ?? row.PartnerCenterSync?.Unapplied) is { } change)
        {
            await RedriveAsync(row, change, label, threshold, context, run, cancellationToken);

            // A change of Tier2's own is on its way: the next run compares what it leaves.
            return;
        }

        PcSubscription read;
        try
        {
            read = await partnerCenter.Subscriptions.GetAsync(pcCustomer, pcSubscription, cancellationToken);
        }
        catch (PartnerCenterException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            run.Report($"{label}: Partner Center has no such subscription for customer {pcCustomer} ({ex.Code}): only Tier2 has it");
            return;
        }

        var support = await ReadSupportContactAsync(pcCustomer, pcSubscription, cancellationToken);
        var drifts = SubscriptionDrift.Compare(row, read, support);
        if (SubscriptionDrift.Decide(row, drifts, null, threshold) != DriftVerdict.TakePartnerCenter)
        {
            return;
        }

        var who = SubscriptionDrift.WhoAndWhen(SubscriptionDrift.LastChangeOf(await AuditOfAsync(pcCustomer, context, run, cancellationToken), pcSubscription), AuditWindow);
        var partnerOfRecord = string.IsNullOrEmpty(read.PartnerId) ? null : await resellers.FindIdByMpnAsync(read.PartnerId, cancellationToken);
        var supportReseller = support.SupportMpnId is { } mpn ? await resellers.FindIdByMpnAsync(mpn, cancellationToken) : null;
        var takesSupport = support.Comparable && (support.SupportMpnId is null || supportReseller is not null);
        var contact = support.SupportMpnId is null ? null : new PartnerCenter.SupportContact(support.SupportTenantId ?? string.Empty, support.SupportMpnId, support.Name);
        var changed = await subscriptions.UpdateAsync(row.CustomerId, row.Id, row.ETag, Actor, s =>
        {
            var next = s.ChangedInPartnerCenter(read, partnerOfRecord) ?? s;
            next = takesSupport ? next.SupportContactChangedInPartnerCenter(contact, supportReseller) ?? next : next;
            return (next == s ? null : next, PartnerCenterSubscriptionSync.Action);
        }, cancellationToken);
        var differences = string.Join("; ", drifts);
        if (changed.Outcome == ChangeOutcome.Changed)
        {
            run.Change($"{label}: {differences}; {who}; Tier2's row now holds what Partner Center says");
        }
        else
        {
            run.Report($"{label}: {differences}; {who}; Tier2's row changed meanwhile and was left for the next run");
        }

        if (!takesSupport && support.SupportMpnId is { } unknown)
        {
            run.Report($"{label}: Partner Center's support contact PartnerID {unknown} ({support.Name}) is no Tier2 reseller; Tier2 keeps its own");
        }
    }

    /// <summary>
    /// Drives Tier2's own change again when it never reached Partner Center: a pending one whose orchestration is missing
    /// or ended, or one that failed after its retries (made pending again first: Store, then start). Same change, same
    /// instance id (a finished instance is replaced), so it records its answer as the first attempt would have.
    /// </summary>
    private async Task RedriveAsync(Tier2Subscription row, PartnerCenterChange change, string label, DateTimeOffset threshold, JobContext context, DriftRun run, CancellationToken cancellationToken)
    {
        var instanceId = SubscriptionChanges.InstanceId(row.Id, change.Id);
        var instance = await context.Orchestrations.GetAsync(instanceId, cancellationToken);
        if (SubscriptionDrift.Decide(row, [], instance?.RuntimeStatus, threshold) != DriftVerdict.RedriveTier2Change)
        {
            return;
        }

        var why = row.PendingChange is null
            ? $"failed to reach Partner Center ({row.PartnerCenterSync?.Refusal?.Detail})"
            : $"had not reached Partner Center (orchestration {instanceId} {instance?.RuntimeStatus.ToString() ?? "never started"})";
        if (row.PendingChange is null)
        {
            var pending = await subscriptions.UpdateAsync(row.CustomerId, row.Id, row.ETag, Actor, s => (s.RedriveFailedChange().Next, "partner-center-change-redriven"), cancellationToken);
            if (pending.Outcome != ChangeOutcome.Changed)
            {
                run.Report($"{label}: change {change.Id} {why}; the row changed meanwhile and was left for the next run");
                return;
            }
        }

        await context.Orchestrations.StartUnlessRunningAsync(SubscriptionChangeOrchestration.Name, instanceId, new SubscriptionChangeTarget(row.CustomerId, row.Id, change.Id), cancellationToken);
        run.Change($"{label}: change {change.Id} asked by {change.RequestedBy} at {change.RequestedAt:u} {why}; Tier2 drives it again");
    }

    /// <summary>
    /// Partner Center's customers of each linked reseller that Tier2 has no row for, from the reseller after
    /// <paramref name="afterResellerId"/> on, a whole reseller at a time until <paramref name="budget"/> customers were
    /// looked at. Returns where the next run continues (null: every reseller was done).
    /// </summary>
    public async Task<string?> CustomersOfResellersAsync(string? afterResellerId, int budget, DriftRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var known = await customers.ReadKeysAsync(cancellationToken);
        string? continuation = null;
        do
        {
            var page = await resellers.ListAsync(null, null, 100, continuation, cancellationToken);
            foreach (var reseller in page.Items.Where(r => r.LinkedAt is not null && string.CompareOrdinal(r.Id, afterResellerId) > 0).OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                if (run.Examined >= budget)
                {
                    return ResellersCheckpoint + afterResellerId;
                }

                await foreach (var listed in partnerCenter.Customers.ListOfResellerAsync(reseller.TenantId.ToString(), cancellationToken: cancellationToken))
                {
                    run.Examined++;
                    if (known.ByPartnerCenterId(listed.Id) is not null)
                    {
                        continue;
                    }

                    var domain = listed.CompanyProfile?.Domain;
                    var prefix = domain?.Split('.')[0];
                    run.Report(prefix is not null && known.ByDomainPrefix(prefix) is { PartnerCenterId: null } sameDomain
                        ? $"Partner Center customer {listed.Id} ({listed.CompanyProfile?.CompanyName}, {domain}) of reseller {reseller.CompanyName} (PartnerID {reseller.MpnId}): Tier2 customer {sameDomain.CustomerId} has its domain but not its Partner Center id"
                        : $"Partner Center customer {listed.Id} ({listed.CompanyProfile?.CompanyName}, {domain}) of reseller {reseller.CompanyName} (PartnerID {reseller.MpnId}) has no Tier2 customer row: only Partner Center has it");
                }

                afterResellerId = reseller.Id;
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);
        return null;
    }

    /// <summary>The support contact, <see cref="SupportContactRead.None"/> on a 404, not comparable when Partner Center refuses the call.</summary>
    private async Task<SupportContactRead> ReadSupportContactAsync(string pcCustomer, string pcSubscription, CancellationToken cancellationToken)
    {
        try
        {
            var contact = await partnerCenter.Subscriptions.GetSupportContactAsync(pcCustomer, pcSubscription, cancellationToken);
            return SupportContactRead.Of(contact.SupportTenantId, contact.SupportMpnId, contact.Name);
        }
        catch (PartnerCenterException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return SupportContactRead.None;
        }
        catch (PartnerCenterException ex) when (!IsOutage(ex))
        {
            // New-commerce subscriptions may refuse support contacts (FACTS 8): nothing to compare, nothing drifted.
            return SupportContactRead.NotComparable($"Partner Center refused to read it ({ex.Code}: {ex.Description})");
        }
    }

    /// <summary>A Partner Center customer's audit records of the window, read once a run.</summary>
    private async Task<IReadOnlyList<AuditRecord>> AuditOfAsync(string pcCustomer, JobContext context, DriftRun run, CancellationToken cancellationToken)
    {
        if (!run.Audit.TryGetValue(pcCustomer, out var records))
        {
            var read = new List<AuditRecord>();
            try
            {
                // No end date: it would be cut to the second and miss what happened within the current one.
                await foreach (var record in partnerCenter.AuditRecords.ListForCustomerAsync(pcCustomer, context.Now - AuditWindow, cancellationToken))
                {
                    read.Add(record);
                }
            }
            catch (PartnerCenterException ex) when (!IsOutage(ex))
            {
                // Without records the finding says Tier2 cannot name who changed it.
            }

            run.Audit[pcCustomer] = records = read;
        }

        return records;
    }
}

/// <summary>What one run of the Partner Center comparison found and changed, and what it read once.</summary>
/// <param name="check">The comparison (a typed Partner Center client per run, so it is resolved per run); null when Partner Center is Disabled.</param>
public sealed class DriftRun(PartnerCenterDriftCheck? check)
{
    public PartnerCenterDriftCheck? Check { get; } = check;

    public int Examined { get; set; }

    public int Changed { get; private set; }

    public int Reported { get; private set; }

    public List<string> Details { get; } = [];

    /// <summary>Customers read this run (null: the row is gone).</summary>
    public Dictionary<string, Tier2Customer?> Customers { get; } = new(StringComparer.Ordinal);

    /// <summary>Customers compared this run.</summary>
    public HashSet<string> Checked { get; } = new(StringComparer.Ordinal);

    /// <summary>Customers Partner Center does not have: their subscriptions are not compared.</summary>
    public HashSet<string> Gone { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, IReadOnlyList<AuditRecord>> Audit { get; } = new(StringComparer.OrdinalIgnoreCase);

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
