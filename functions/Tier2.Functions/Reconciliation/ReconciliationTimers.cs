using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.Reconciliation;

/// <summary>
/// The reconciliation jobs' timer functions. Each schedule is a setting (<c>Reconciliation__*Schedule</c>,
/// six-field cron) referenced as <c>%…%</c>, so changing the setting reaches the Functions host without a deploy.
/// A job's name is its timer function's name.
/// </summary>
public sealed class ReconciliationTimers(ReconciliationRunner runner, IServiceProvider services, IOptions<ReconciliationOptions> options)
{
    [Function(nameof(ReconcileOrchestrations))]
    public Task ReconcileOrchestrations([TimerTrigger("%Reconciliation:OrchestrationRepairSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<OrchestrationRepairJob>(durable, cancellationToken);

    [Function(nameof(ReconcileInvites))]
    public Task ReconcileInvites([TimerTrigger("%Reconciliation:InvitesSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<InvitesRepairJob>(durable, cancellationToken);

    [Function(nameof(ReconcileOrders))]
    public Task ReconcileOrders([TimerTrigger("%Reconciliation:OrdersSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<Orders.OrdersRepairJob>(durable, cancellationToken);

    [Function(nameof(ReconcileAssociations))]
    public Task ReconcileAssociations([TimerTrigger("%Reconciliation:AssociationsSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<AssociationsJob>(durable, cancellationToken);

    [Function(nameof(ReconcileRetention))]
    public Task ReconcileRetention([TimerTrigger("%Reconciliation:RetentionSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<RetentionJob>(durable, cancellationToken);

    [Function(nameof(SyncPartnerCenterResellers))]
    public Task SyncPartnerCenterResellers([TimerTrigger("%Reconciliation:PartnerCenterResellersSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<Resellers.PartnerCenterResellerSync>(durable, cancellationToken);

    [Function(nameof(SyncOfferCatalog))]
    public Task SyncOfferCatalog([TimerTrigger("%Reconciliation:OfferCatalogSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        RunAsync<Offers.OfferCatalogSync>(durable, cancellationToken);

    private Task<ReconciliationRun> RunAsync<TJob>(DurableTaskClient durable, CancellationToken cancellationToken)
        where TJob : IReconciliationJob =>
        runner.RunAsync(services.GetRequiredService<TJob>(), options.Value.MaxItemsPerRun, new OrchestrationClient(durable), cancellationToken);
}
