using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Reconciliation;

namespace Tier2.Functions.Orders;

/// <summary>
/// <c>ReconcileOrders</c>: an order Submitted or Provisioning for longer than <c>Reconciliation__StuckThreshold</c>
/// holds its domain prefix (and what it provisioned) until its <c>CustomerOnboarding</c> instance finishes it. When
/// that instance does not exist (scheduling failed after the submit committed) it is scheduled; when it ended Failed
/// or Terminated without running its compensation (a poison message, an operator's terminate), what the order may
/// have provisioned is undone with the compensation activities' logic and the order ends Failed with the reason.
/// Running instances are left to <c>ReconcileOrchestrations</c>. The checkpoint is the scan's continuation token.
/// </summary>
public sealed class OrdersRepairJob(OrderStore orders, OnboardingActivities activities, IOptions<ReconciliationOptions> options) : IReconciliationJob
{
    public string Name => nameof(ReconciliationTimers.ReconcileOrders);

    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        int changed = 0, reported = 0;
        var details = new List<string>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {OrderStore.Partition} and RowKey ge {"o|"} and RowKey lt {"o}"} and (Status eq {nameof(OrderStatus.Submitted)} or Status eq {nameof(OrderStatus.Provisioning)})");
        var scan = new JobScan(context);
        await foreach (var entity in scan.RowsAsync((continuation, pageSize) => orders.Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize), cancellationToken))
        {
            var order = OrderStore.FromEntity(entity);
            if (context.Now - (order.UpdatedAt ?? order.SubmittedAt ?? order.CreatedAt) < options.Value.StuckThreshold)
            {
                continue;
            }

            var instanceId = order.InstanceId ?? OrderStore.InstanceIdFor(order.Id);
            var instance = await context.Orchestrations.GetAsync(instanceId, cancellationToken);
            switch (instance?.RuntimeStatus)
            {
                case null:
                    // Scheduled meanwhile by a repeated submit: nothing to do.
                    if (!await context.Orchestrations.StartIfMissingAsync(CustomerOnboardingOrchestration.Name, instanceId, order.Id, cancellationToken))
                    {
                        break;
                    }

                    changed++;
                    details.Add($"order {order.Id} ({order.Status}): orchestration {instanceId} missing, scheduled");
                    break;
                case OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated:
                    var reason = $"Onboarding stopped ({instance.RuntimeStatus}) before it finished; what the order had created was undone. See orchestration {instanceId}.";
                    if (await activities.UndoAndFailAsync(order, reason, cancellationToken))
                    {
                        changed++;
                        var current = await orders.GetAsync(order.Id, cancellationToken);
                        details.Add($"order {order.Id} ({order.Status}): orchestration {instanceId} {instance.RuntimeStatus}, ended Failed: {current?.FailureReason}");
                    }

                    break;
                case OrchestrationRuntimeStatus.Completed:
                    reported++;
                    details.Add($"order {order.Id} is {order.Status} but orchestration {instanceId} completed; an operator must look at it");
                    break;
                default:
                    // Pending, running or suspended: ReconcileOrchestrations repairs an instance that stalls.
                    break;
            }
        }

        return new JobOutcome(scan.Examined, changed, reported, scan.Continuation, details);
    }
}
