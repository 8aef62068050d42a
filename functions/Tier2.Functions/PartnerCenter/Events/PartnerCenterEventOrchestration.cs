using System.Net;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tier2.Functions.Customers;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Resellers;
using Tier2.Functions.Storage;
using Tier2.Functions.Subscriptions;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>The audit row's "after" when a customer accepted the reseller relationship in Partner Center.</summary>
public sealed record AcceptedRelationship(string PartnerCenterId, string? Domain, string? RelationshipToPartner);

/// <summary>What the durable step did with an event.</summary>
public sealed record PartnerCenterEventResult(PartnerCenterEventOutcome Outcome, string Detail);

/// <summary>
/// <c>PartnerCenterEvent</c> (input: the event's id; instance <c>pcevent-{id}</c>): one activity, retried, that reads the
/// resource again from Partner Center and applies what it reads. Events arrive up to 48 hours late and out of order, so
/// the event only says what to read; the read decides.
/// </summary>
public static class PartnerCenterEventOrchestration
{
    public const string Name = "PartnerCenterEvent";

    internal static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));

    [Function(Name)]
    public static Task<PartnerCenterEventResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = context.GetInput<string>() ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no event id.");
        return context.CallAsync(PartnerCenterEventActivities.Apply, id, Retry);
    }
}

/// <summary>
/// The durable step's activity. Safe to run twice: an event with an outcome is not applied again, and applying the
/// same read twice changes nothing the second time.
/// </summary>
public sealed class PartnerCenterEventActivities(
    PartnerCenterEventStore events, PartnerCenterClient partnerCenter, CustomerStore customers, SubscriptionStore subscriptions, ResellerStore resellers, TimeProvider time)
{
    public static readonly Activity<string, PartnerCenterEventResult> Apply = new(nameof(ApplyPartnerCenterEvent));
    private const string Actor = "partner-center:event";
    private const string OnMicrosoftSuffix = ".onmicrosoft.com";

    [Function(nameof(ApplyPartnerCenterEvent))]
    public async Task<PartnerCenterEventResult> ApplyPartnerCenterEvent([ActivityTrigger] string id, CancellationToken cancellationToken)
    {
        var received = await events.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Partner Center event {id} is not stored.");
        if (received.Outcome != PartnerCenterEventOutcome.Received)
        {
            return new(received.Outcome, received.Detail ?? string.Empty);
        }

        var e = received.Event;
        var resource = e.Resource();
        var result = (e.EventName, resource) switch
        {
            (PartnerCenterEvent.SubscriptionUpdated, (var customerId, { } subscriptionId)) => await SubscriptionUpdatedAsync(customerId, subscriptionId, cancellationToken),
            (PartnerCenterEvent.RelationshipAccepted, (var customerId, null)) => await RelationshipAcceptedAsync(customerId, cancellationToken),
            (PartnerCenterEvent.TestCreated, _) => new(PartnerCenterEventOutcome.Ignored, "A test event: nothing to apply."),
            (PartnerCenterEvent.SubscriptionUpdated or PartnerCenterEvent.RelationshipAccepted, _) => new(PartnerCenterEventOutcome.Ignored, $"ResourceUri '{e.ResourceUri}' names no resource Tier2 can read."),
            _ => new PartnerCenterEventResult(PartnerCenterEventOutcome.Ignored, $"Tier2 does not act on '{e.EventName}'."),
        };
        await events.FinishAsync(id, result.Outcome, result.Detail, time.GetUtcNow(), cancellationToken);
        return result;
    }

    private async Task<PartnerCenterEventResult> SubscriptionUpdatedAsync(string customerId, string subscriptionId, CancellationToken cancellationToken)
    {
        if (await FindSubscriptionAsync(customerId, subscriptionId, cancellationToken) is not { } row)
        {
            return new(PartnerCenterEventOutcome.Unknown, $"No Tier2 subscription carries Partner Center subscription {subscriptionId}.");
        }

        Subscription read;
        try
        {
            read = await partnerCenter.Subscriptions.GetAsync(customerId, subscriptionId, cancellationToken);
        }
        catch (PartnerCenterException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return new(PartnerCenterEventOutcome.Unknown, $"Partner Center has no subscription {subscriptionId} for customer {customerId} ({ex.Code}).");
        }

        var partnerOfRecord = string.IsNullOrEmpty(read.PartnerId) ? null : await resellers.FindIdByMpnAsync(read.PartnerId, cancellationToken);
        var changed = await subscriptions.UpdateAsync(row.CustomerId, row.Id, null, Actor, s => (s.ChangedInPartnerCenter(read, partnerOfRecord), PartnerCenterSubscriptionSync.Action), cancellationToken);
        return changed.Outcome switch
        {
            ChangeOutcome.Changed => new(PartnerCenterEventOutcome.Applied, $"Subscription {row.Id} of customer {row.CustomerId} now matches Partner Center (quantity {read.Quantity}, status {read.Status}, partner {read.PartnerId}, auto-renew {read.AutoRenewEnabled})."),
            ChangeOutcome.Unchanged => new(PartnerCenterEventOutcome.Applied, $"Subscription {row.Id} of customer {row.CustomerId} already matched Partner Center."),
            ChangeOutcome.NotFound => new(PartnerCenterEventOutcome.Unknown, $"Subscription {row.Id} was removed from Tier2 meanwhile."),
            // Changed in Tier2 between the read and the write: the retry reads both again.
            _ => throw new InvalidOperationException($"Subscription {row.Id} changed while it was being updated; trying again."),
        };
    }

    private async Task<PartnerCenterEventResult> RelationshipAcceptedAsync(string customerId, CancellationToken cancellationToken)
    {
        Customer read;
        try
        {
            read = await partnerCenter.Customers.GetAsync(customerId, cancellationToken);
        }
        catch (PartnerCenterException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return new(PartnerCenterEventOutcome.Unknown, $"Partner Center has no customer {customerId} ({ex.Code}).");
        }

        var domain = read.CompanyProfile?.Domain;
        var domainPrefix = domain is not null && domain.EndsWith(OnMicrosoftSuffix, StringComparison.OrdinalIgnoreCase) ? domain[..^OnMicrosoftSuffix.Length] : null;
        if (await customers.FindByPartnerCenterIdAsync(customerId, domainPrefix, cancellationToken) is not { } row)
        {
            return new(PartnerCenterEventOutcome.Unknown, $"Customer {customerId} ({domain}) accepted the reseller relationship; Tier2 has no such customer.");
        }

        var after = JsonSerializer.Serialize(new AcceptedRelationship(read.Id, domain, read.RelationshipToPartner), PartnerCenterEventsJsonContext.Default.AcceptedRelationship);
        await customers.SetPartnerCenterIdAsync(row, read.Id, Actor, "reseller-relationship-accepted-in-partner-center", after, cancellationToken);
        return new(PartnerCenterEventOutcome.Applied, $"Customer {row.Id} accepted the reseller relationship in Partner Center (customer {read.Id}).");
    }

    /// <summary>The Tier2 subscription that carries <paramref name="partnerCenterSubscriptionId"/>: its customer by the Partner Center id index, then that customer's partition.</summary>
    private async Task<Tier2.Functions.Subscriptions.Subscription?> FindSubscriptionAsync(string partnerCenterCustomerId, string partnerCenterSubscriptionId, CancellationToken cancellationToken) =>
        await customers.FindByPartnerCenterIdAsync(partnerCenterCustomerId, null, cancellationToken) is { } customer
            ? await subscriptions.FindByPartnerCenterIdAsync(customer.Id, partnerCenterSubscriptionId, cancellationToken)
            : null;
}
