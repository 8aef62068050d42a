using Microsoft.Extensions.Options;
using Customer = Tier2.Functions.Customers.Customer;
using CustomerStore = Tier2.Functions.Customers.CustomerStore;
using Tier2.Functions.PartnerCenter;
using PcSubscription = Tier2.Functions.PartnerCenter.Subscription;
using PcSupportContact = Tier2.Functions.PartnerCenter.SupportContact;

namespace Tier2.Functions.Subscriptions;

/// <summary>The subscription change an orchestration applies: the subscription's row and the pending change's id.</summary>
public sealed record SubscriptionChangeTarget(string CustomerId, string SubscriptionId, string ChangeId);

/// <summary>
/// Subscription changes in Partner Center (FACTS 8). The licence count and the partner of record change by GET, modify,
/// PATCH of the whole resource (a minimal PATCH silently turns auto-renew off and drops the renewal instructions); a
/// 202 is followed to the end. The support contact is a PUT of <c>{SupportTenantId, SupportMpnId, Name}</c>. Every call
/// is safe to repeat: a part Partner Center already holds is not sent again. What Partner Center refuses becomes a
/// <see cref="PartnerCenterRefusal"/> on the row; what it could not do now is thrown, for the activity's retries.
/// </summary>
public sealed partial class SubscriptionChanges(
    PartnerCenterClient partnerCenter, IOptions<PartnerCenterOptions> options, SubscriptionStore subscriptions, CustomerStore customers, TimeProvider time, ILogger<SubscriptionChanges> logger)
{
    public const string Actor = "orchestration:" + SubscriptionChangeOrchestration.Name;

    /// <summary>Polls of a 202's Location: the first after 1 s, each wait twice the last (1+2+4+8+16+32 s, about a minute).</summary>
    internal const int MaxPolls = 6;

    /// <summary>Whether <paramref name="subscription"/>'s changes go to Partner Center: it is Enabled and the rows carry Partner Center's ids.</summary>
    public bool Reaches(Customer? customer, Subscription subscription) =>
        options.Value.IsEnabled && customer?.PartnerCenterId is not null && subscription?.PartnerCenterSubscriptionId is not null;

    /// <summary>The orchestration that applies a change: one per subscription and change, so a repeated start finds it.</summary>
    public static string InstanceId(string subscriptionId, string changeId) => $"subscription-change-{subscriptionId}-{changeId}";

    /// <summary>
    /// A new-commerce decrease Partner Center would refuse (800090), refused before the PATCH: Partner Center's
    /// <c>refundableQuantity</c> says how many licences may still go back, and until when. Null when it may go ahead.
    /// </summary>
    public async Task<PartnerCenterRefusal?> CheckDecreaseAsync(Customer customer, Subscription subscription, int quantity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(subscription);
        if (quantity >= subscription.Quantity)
        {
            return null;
        }

        var current = await partnerCenter.Subscriptions.GetAsync(customer.PartnerCenterId!, subscription.PartnerCenterSubscriptionId!, cancellationToken);
        return DecreaseRefusal(current, quantity, time.GetUtcNow());
    }

    /// <summary>The refusal of a decrease to <paramref name="quantity"/> beyond what <c>refundableQuantity</c> lets go back at <paramref name="now"/>.</summary>
    public static PartnerCenterRefusal? DecreaseRefusal(PcSubscription current, int quantity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (quantity >= current.Quantity || current.RefundableQuantity is not { } refundable)
        {
            // No refundableQuantity (a legacy subscription): Partner Center decides, and 800090 says so.
            return null;
        }

        var returnable = refundable.ReturnableAt(now);
        if (current.Quantity - quantity <= returnable)
        {
            return null;
        }

        var open = refundable.Details?.Where(d => d.AllowedUntilDateTime > now && d.Quantity > 0).OrderBy(d => d.AllowedUntilDateTime).ToList() ?? [];
        var closed = refundable.Details?.Where(d => d.AllowedUntilDateTime <= now).Select(d => d.AllowedUntilDateTime).DefaultIfEmpty().Max();
        var window = open.Count > 0
            ? $"Only {returnable} may be returned now ({string.Join(", ", open.Select(d => $"{d.Quantity} until {d.AllowedUntilDateTime:u}"))}), so the count can go down to {current.Quantity - returnable}, not {quantity}."
            : closed is { } ended && ended != default
                ? $"The window closed at {ended:u}; no licence may be returned now."
                : "No licence may be returned now.";
        return new PartnerCenterRefusal(
            422,
            PartnerCenterProblems.QuantityDecreaseNotAllowed,
            "quantity",
            $"Partner Center lets a new-commerce subscription's licences go back only within 7 days of purchase or renewal. {window} Lower the count at renewal instead.",
            null);
    }

    /// <summary>
    /// Applies the pending change <paramref name="target"/> names in Partner Center and records the answer on the row.
    /// Returns the outcome, or null when the change is no longer pending (answered by an earlier attempt).
    /// </summary>
    public async Task<PartnerCenterSyncOutcome?> ApplyAsync(SubscriptionChangeTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var subscription = await subscriptions.GetAsync(target.CustomerId, target.SubscriptionId, cancellationToken);
        if (subscription?.PendingChange is not { } change || !string.Equals(change.Id, target.ChangeId, StringComparison.Ordinal))
        {
            return null;
        }

        var customer = await customers.GetAsync(target.CustomerId, cancellationToken)
            ?? throw new InvalidOperationException($"Customer {target.CustomerId} of subscription {target.SubscriptionId} is gone.");
        var pcCustomer = customer.PartnerCenterId ?? throw new InvalidOperationException($"Customer {target.CustomerId} has no Partner Center id.");
        var pcSubscription = subscription.PartnerCenterSubscriptionId ?? throw new InvalidOperationException($"Subscription {target.SubscriptionId} has no Partner Center id.");

        PcSubscription? answered = null;
        PartnerCenterRefusal? refusal = null;
        if (change.ChangesResource)
        {
            (answered, refusal) = await ChangeResourceAsync(pcCustomer, pcSubscription, change, cancellationToken);
        }

        var resourceTaken = change.ChangesResource && refusal is null;
        string? supportMpnId = null;
        if (refusal is null && change.SetsSupportContact && change.SupportContact is { } contact)
        {
            try
            {
                var set = await partnerCenter.Subscriptions.SetSupportContactAsync(pcCustomer, pcSubscription, new PcSupportContact(contact.SupportTenantId.ToString(), contact.SupportMpnId, contact.Name), cancellationToken);
                supportMpnId = set.SupportMpnId;
            }
            catch (PartnerCenterException ex) when (IsRefusal(ex))
            {
                refusal = Refusal(ex, change, supportContact: true);
            }
        }

        answered ??= await partnerCenter.Subscriptions.GetAsync(pcCustomer, pcSubscription, cancellationToken);
        var sync = new PartnerCenterSync(
            change.Id, refusal is null ? PartnerCenterSyncOutcome.Applied : PartnerCenterSyncOutcome.Refused, answered.Quantity, answered.PartnerId, answered.AutoRenewEnabled, supportMpnId, refusal, time.GetUtcNow());
        await RecordAsync(target, sync, resourceTaken, supportMpnId is not null, cancellationToken);
        LogAnswered(target.SubscriptionId, change.Id, sync.Outcome, refusal?.PartnerCenterCode);
        return sync.Outcome;
    }

    /// <summary>Partner Center could not be reached after the retries: the change is no longer pending, and the row says so.</summary>
    public async Task GiveUpAsync(SubscriptionChangeTarget target, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var refusal = new PartnerCenterRefusal(503, PartnerCenterProblems.Unavailable, "partnerCenter", $"Partner Center could not be reached; nothing more was changed there. Ask again later. ({reason})", null);
        var sync = new PartnerCenterSync(target.ChangeId, PartnerCenterSyncOutcome.Failed, null, null, null, null, refusal, time.GetUtcNow());
        await RecordAsync(target, sync, quantityAndPartnerTaken: false, supportTaken: false, cancellationToken);
    }

    /// <summary>GET, change quantity and partnerId, PATCH the whole resource; a part Partner Center already holds is not sent again.</summary>
    private async Task<(PcSubscription Answered, PartnerCenterRefusal? Refusal)> ChangeResourceAsync(string pcCustomer, string pcSubscription, PartnerCenterChange change, CancellationToken cancellationToken)
    {
        var current = await partnerCenter.Subscriptions.GetAsync(pcCustomer, pcSubscription, cancellationToken);
        var wanted = current with
        {
            Quantity = change.Quantity ?? current.Quantity,
            PartnerId = change.SetsPartnerOfRecord ? change.PartnerIdOnRecord : current.PartnerId,
        };
        if (Holds(current, wanted))
        {
            // An earlier attempt's PATCH went through (its answer was lost): nothing to send.
            return (current, null);
        }

        if (change.Quantity is { } quantity && DecreaseRefusal(current, quantity, time.GetUtcNow()) is { } refused)
        {
            return (current, refused);
        }

        try
        {
            var answer = await partnerCenter.Subscriptions.UpdateAsync(pcCustomer, wanted, cancellationToken);
            return (answer is { Accepted: false, Subscription: { } done } ? done : await FollowAsync(answer.Location, pcCustomer, pcSubscription, wanted, cancellationToken), null);
        }
        catch (PartnerCenterException ex) when (IsRefusal(ex))
        {
            return (current, Refusal(ex, change, supportContact: false));
        }
    }

    /// <summary>A 202: polls its Location (or the subscription) with back-off until Partner Center's subscription shows the change; past the bound, throws for the activity's retry.</summary>
    private async Task<PcSubscription> FollowAsync(Uri? location, string pcCustomer, string pcSubscription, PcSubscription wanted, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var poll = 0; poll < MaxPolls; poll++)
        {
            await Task.Delay(delay, time, cancellationToken);
            var now = location is null
                ? await partnerCenter.Subscriptions.GetAsync(pcCustomer, pcSubscription, cancellationToken)
                : await partnerCenter.Subscriptions.GetAtAsync(location, cancellationToken);
            if (Holds(now, wanted))
            {
                return now;
            }

            delay *= 2;
        }

        throw new TimeoutException($"Partner Center accepted the change to subscription {pcSubscription} (202) but did not show it after {MaxPolls} polls.");
    }

    private static bool Holds(PcSubscription current, PcSubscription wanted) =>
        current.Quantity == wanted.Quantity && string.Equals(current.PartnerId, wanted.PartnerId, StringComparison.Ordinal);

    private async Task RecordAsync(SubscriptionChangeTarget target, PartnerCenterSync sync, bool quantityAndPartnerTaken, bool supportTaken, CancellationToken cancellationToken)
    {
        var action = sync.Outcome switch
        {
            PartnerCenterSyncOutcome.Applied => "partner-center-applied",
            PartnerCenterSyncOutcome.Refused => "partner-center-refused",
            _ => "partner-center-failed",
        };

        // The row may change meanwhile (a status PATCH): each attempt reads it again; the transition stays on a repeat.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var result = await subscriptions.UpdateAsync(target.CustomerId, target.SubscriptionId, null, Actor, s => (s.RecordPartnerCenterAnswer(target.ChangeId, sync, quantityAndPartnerTaken, quantityAndPartnerTaken, supportTaken).Next, action), cancellationToken);
            if (result.Outcome != Storage.ChangeOutcome.PreconditionFailed)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Subscription {target.SubscriptionId} kept changing; Partner Center's answer to change {target.ChangeId} is recorded on the next attempt.");
    }

    /// <summary>What a caller can act on; throttling, outages and a lost connection are retried, then reported as Failed.</summary>
    private static bool IsRefusal(PartnerCenterException ex) => ex.Kind is not (
        PartnerCenterErrorKind.Throttled or PartnerCenterErrorKind.Unavailable or PartnerCenterErrorKind.NotConfigured
        or PartnerCenterErrorKind.NotConnected or PartnerCenterErrorKind.AuthenticationFailed);

    /// <summary>Partner Center's refusal as the problem the API answers, naming the field of the part it refused.</summary>
    private static PartnerCenterRefusal Refusal(PartnerCenterException ex, PartnerCenterChange change, bool supportContact)
    {
        var said = ex.Code is null ? ex.Description ?? ex.Message : $"{ex.Code}: {ex.Description}";
        return ex.Kind switch
        {
            PartnerCenterErrorKind.QuantityDecreaseNotAllowed => new(422, PartnerCenterProblems.QuantityDecreaseNotAllowed, "quantity",
                $"Partner Center refused the decrease ({said}): a new-commerce subscription's licences go back only within 7 days of purchase or renewal. Lower the count at renewal instead.", ex.Code),
            PartnerCenterErrorKind.PartnerOfRecordRefused => new(422, PartnerCenterProblems.PartnerOfRecordRefused, "partnerOfRecordResellerId",
                $"Partner Center refused PartnerID {change.PartnerIdOnRecord} as partner of record ({said}): name a partnered reseller's PartnerID, never the provider's.", ex.Code),
            _ when supportContact => new(422, PartnerCenterProblems.SupportContactRefused, "supportContactResellerId",
                $"Partner Center refused {change.SupportContact?.Name} ({change.SupportContact?.SupportMpnId}) as the designated support contact ({said}). Microsoft documents support contacts for traditional licence-based subscriptions; New Commerce Experience subscriptions may not take one.", ex.Code),
            _ => new(422, PartnerCenterProblems.Refused, change.Quantity is not null ? "quantity" : "partnerOfRecordResellerId", $"Partner Center refused the change ({said}).", ex.Code),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partner Center answered change {ChangeId} of subscription {SubscriptionId}: {Outcome} (code {Code})")]
    private partial void LogAnswered(string subscriptionId, string changeId, PartnerCenterSyncOutcome outcome, string? code);
}
