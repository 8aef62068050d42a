using Microsoft.DurableTask;
using Tier2.Functions.Orders;

namespace Tier2.Functions.Tests.Orders;

public sealed class CustomerOnboardingOrchestrationTests
{
    private const string OrderId = "ord1";
    private const string InstanceId = "order-ord1";
    private const string CustomerId = "cust1";

    private static readonly string Validate = OnboardingActivities.Validate.Name;
    private static readonly string CreateCustomer = OnboardingActivities.CreateCustomer.Name;
    private static readonly string CreateSubscription = OnboardingActivities.CreateSubscription.Name;
    private static readonly string CreateAdminUser = OnboardingActivities.CreateAdminUser.Name;
    private static readonly string Complete = OnboardingActivities.Complete.Name;
    private static readonly string RemoveAdminUser = OnboardingActivities.RemoveAdminUser.Name;
    private static readonly string RemoveSubscription = OnboardingActivities.RemoveSubscription.Name;
    private static readonly string RemoveCustomer = OnboardingActivities.RemoveCustomer.Name;
    private static readonly string Finish = OnboardingActivities.Finish.Name;

    /// <summary>An order with two lines whose every step succeeds unless <paramref name="fail"/> throws for it (name, input).</summary>
    private static FakeOrchestrationContext Context(Func<string, object?, Exception?>? fail = null)
    {
        var context = new FakeOrchestrationContext(OrderId, InstanceId, new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc))
            .WithInputType<string>()
            .WithResultType<OnboardingPlan>()
            .WithResultType<OnboardingStepResult>();
        foreach (var name in new[] { Validate, CreateCustomer, CreateSubscription, CreateAdminUser, Complete, RemoveAdminUser, RemoveSubscription, RemoveCustomer, Finish })
        {
            context.OnActivity(name, input =>
            {
                if (fail?.Invoke(name, input) is { } failure)
                {
                    throw failure;
                }

                return name == Validate ? new OnboardingPlan(OrderId, CustomerId, 2) : new OnboardingStepResult(OnboardingStep.Complete, null);
            });
        }

        return context;
    }

    private static Func<string, object?, Exception?> FailAt(string activity, int? line = null, Func<string, TaskFailedException>? failure = null) =>
        (name, input) => name == activity && (line is null || input is OnboardingLine l && l.Index == line)
            ? (failure ?? Internal)(name)
            : null;

    private static TaskFailedException Internal(string activity) => FakeOrchestrationContext.Failure<InvalidOperationException>(activity, "table unavailable");

    private static TaskFailedException Refused(string activity) => FakeOrchestrationContext.Failure<OrderRefusedException>(activity, "Domain: the prefix is taken.");

    private static TaskFailedException Cancelled(string activity) => FakeOrchestrationContext.Failure<OrderCancelledException>(activity, "Order ord1 was cancelled.");

    private static async Task<OnboardingOutcome> RunAsync(FakeOrchestrationContext context)
    {
        var run = CustomerOnboardingOrchestration.RunOrchestrator(context.Object);
        Assert.True(run.IsCompleted, "The orchestration should have finished (every activity completes at once).");
        return await run;
    }

    /// <summary>The calls as "Name" or "Name#line".</summary>
    private static List<string> Steps(FakeOrchestrationContext context) =>
        context.Calls.Select(c => c.Input is OnboardingLine line ? $"{c.Name}#{line.Index}" : c.Name).ToList();

    private static OnboardingFinish Finished(FakeOrchestrationContext context)
    {
        var finish = Assert.Single(context.Calls, c => c.Name == Finish);
        Assert.Same(finish, context.Calls[^1]);
        return Assert.IsType<OnboardingFinish>(finish.Input);
    }

    private static string InternalReason(OnboardingStep step) => OnboardingActivities.InternalFailureReason(step, InstanceId);

    [Fact]
    public async Task A_successful_onboarding_runs_every_step_in_order_and_completes_with_the_customer()
    {
        var context = Context();

        var outcome = await RunAsync(context);

        Assert.Equal(new OnboardingOutcome(OrderId, OrderStatus.Completed, CustomerId, null), outcome);
        Assert.Equal([Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", CreateAdminUser, Complete], Steps(context));
        Assert.All(context.Calls, c => Assert.Same(CustomerOnboardingOrchestration.StepRetry, c.Options));
        Assert.Equal(OrderId, context.Calls[0].Input);
        Assert.Equal("completed", context.Statuses[^1]);
    }

    [Fact]
    public async Task A_refused_order_undoes_nothing_and_finishes_failed_with_the_refusal()
    {
        var context = Context(FailAt(Validate, failure: Refused));

        var outcome = await RunAsync(context);

        Assert.Equal([Validate, Finish], Steps(context));
        var reason = "Step Validate failed: Domain: the prefix is taken.";
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, reason, KeepDomainClaim: false), Finished(context));
        Assert.Equal(new OnboardingOutcome(OrderId, OrderStatus.Failed, null, reason), outcome);
    }

    [Fact]
    public async Task A_failure_validating_the_order_undoes_nothing_and_finishes_failed_with_an_internal_reason()
    {
        var context = Context(FailAt(Validate));

        var outcome = await RunAsync(context);

        Assert.Equal([Validate, Finish], Steps(context));
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, InternalReason(OnboardingStep.Validate)), Finished(context));
        Assert.Equal(OrderStatus.Failed, outcome.Status);
        Assert.DoesNotContain("table unavailable", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_creating_the_customer_undoes_the_customer()
    {
        var context = Context(FailAt(CreateCustomer));

        var outcome = await RunAsync(context);

        Assert.Equal([Validate, CreateCustomer, RemoveCustomer, Finish], Steps(context));
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, InternalReason(OnboardingStep.CreateCustomer)), Finished(context));
        Assert.Equal(new OnboardingOutcome(OrderId, OrderStatus.Failed, null, InternalReason(OnboardingStep.CreateCustomer)), outcome);
    }

    [Fact]
    public async Task A_failure_creating_the_first_subscription_undoes_it_and_the_customer()
    {
        var context = Context(FailAt(CreateSubscription, line: 0));

        await RunAsync(context);

        Assert.Equal([Validate, CreateCustomer, $"{CreateSubscription}#0", $"{RemoveSubscription}#0", RemoveCustomer, Finish], Steps(context));
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, InternalReason(OnboardingStep.CreateSubscription)), Finished(context));
    }

    [Fact]
    public async Task A_failure_creating_the_second_subscription_undoes_both_subscriptions_and_the_customer()
    {
        var context = Context(FailAt(CreateSubscription, line: 1));

        var outcome = await RunAsync(context);

        Assert.Equal(
            [Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", $"{RemoveSubscription}#1", $"{RemoveSubscription}#0", RemoveCustomer, Finish],
            Steps(context));
        Assert.All(context.Calls.Where(c => c.Name.Contains("Remove", StringComparison.Ordinal) || c.Name == Finish), c => Assert.Same(CustomerOnboardingOrchestration.UndoRetry, c.Options));
        Assert.Equal(OrderStatus.Failed, outcome.Status);
    }

    [Fact]
    public async Task A_failure_creating_the_admin_user_undoes_it_both_subscriptions_and_the_customer()
    {
        var context = Context(FailAt(CreateAdminUser));

        await RunAsync(context);

        Assert.Equal(
            [Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", CreateAdminUser, RemoveAdminUser, $"{RemoveSubscription}#1", $"{RemoveSubscription}#0", RemoveCustomer, Finish],
            Steps(context));
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, InternalReason(OnboardingStep.CreateAdminUser)), Finished(context));
    }

    [Fact]
    public async Task A_failure_completing_the_order_undoes_the_admin_user_both_subscriptions_and_the_customer()
    {
        var context = Context(FailAt(Complete, failure: Refused));

        var outcome = await RunAsync(context);

        Assert.Equal(
            [Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", CreateAdminUser, Complete, RemoveAdminUser, $"{RemoveSubscription}#1", $"{RemoveSubscription}#0", RemoveCustomer, Finish],
            Steps(context));
        Assert.Equal("Step Complete failed: Domain: the prefix is taken.", outcome.Reason);
        Assert.Equal(OrderStatus.Failed, Finished(context).Status);
    }

    [Fact]
    public async Task A_cancelled_order_undoes_what_was_started_and_finishes_cancelled()
    {
        var context = Context(FailAt(CreateSubscription, line: 1, failure: Cancelled));

        var outcome = await RunAsync(context);

        Assert.Equal(
            [Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", $"{RemoveSubscription}#1", $"{RemoveSubscription}#0", RemoveCustomer, Finish],
            Steps(context));
        var reason = "Cancelled on request; everything the order had created was undone.";
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Cancelled, reason), Finished(context));
        Assert.Equal(new OnboardingOutcome(OrderId, OrderStatus.Cancelled, null, reason), outcome);
        Assert.Contains("cancelling", context.Statuses);
        Assert.Equal("cancelled", context.Statuses[^1]);
    }

    [Fact]
    public async Task A_failing_undo_stops_the_undo_and_finishes_failed_with_the_undo_failed_suffix_keeping_the_domain_claim()
    {
        var context = Context((name, input) =>
            FailAt(CreateAdminUser)(name, input) ?? FailAt(RemoveSubscription, line: 1)(name, input));

        var outcome = await RunAsync(context);

        Assert.Equal(
            [Validate, CreateCustomer, $"{CreateSubscription}#0", $"{CreateSubscription}#1", CreateAdminUser, RemoveAdminUser, $"{RemoveSubscription}#1", Finish],
            Steps(context));
        var reason = InternalReason(OnboardingStep.CreateAdminUser) + OnboardingActivities.UndoFailedSuffix(InstanceId);
        Assert.Equal(new OnboardingFinish(OrderId, OrderStatus.Failed, reason, KeepDomainClaim: true), Finished(context));
        Assert.Equal(new OnboardingOutcome(OrderId, OrderStatus.Failed, null, reason), outcome);
    }

    [Fact]
    public async Task A_cancelled_order_whose_undo_fails_finishes_failed_not_cancelled()
    {
        var context = Context((name, input) =>
            FailAt(CreateAdminUser, failure: Cancelled)(name, input) ?? FailAt(RemoveCustomer)(name, input));

        var outcome = await RunAsync(context);

        Assert.Equal(OrderStatus.Failed, outcome.Status);
        Assert.EndsWith(OnboardingActivities.UndoFailedSuffix(InstanceId), outcome.Reason, StringComparison.Ordinal);
        Assert.True(Finished(context).KeepDomainClaim);
    }

    [Fact]
    public void Steps_are_retried_after_internal_errors_but_not_after_a_refusal_or_a_cancellation()
    {
        // RetryPolicy.HandleFailure is write-only: Handle is what the worker calls, with the engine's (DurableTask.Core) exception.
        var handle = CustomerOnboardingOrchestration.StepRetry.Retry?.Policy?.Handle;
        Assert.NotNull(handle);
        static Exception Failed<TException>() => new DurableTask.Core.Exceptions.TaskFailedException(0, 0, CreateCustomer, string.Empty, "failed", null)
        {
            FailureDetails = new DurableTask.Core.FailureDetails(typeof(TException).FullName!, "failed", null, null, false),
        };

        Assert.True(handle(Failed<InvalidOperationException>()));
        Assert.False(handle(Failed<OrderRefusedException>()));
        Assert.False(handle(Failed<OrderCancelledException>()));
        Assert.Equal(3, CustomerOnboardingOrchestration.StepRetry.Retry!.Policy!.MaxNumberOfAttempts);
    }

    [Fact]
    public void A_refusal_or_cancellation_wrapped_in_another_failure_is_still_recognised()
    {
        var refusal = new TaskFailureDetails(typeof(OrderRefusedException).FullName!, "Domain: the prefix is taken.", null, null, null);
        var wrapped = new TaskFailureDetails("Microsoft.Azure.Functions.Worker.FunctionInvocationException", "Exception while executing function", null, refusal, null);
        var cancelled = new TaskFailureDetails("System.AggregateException", "One or more errors", null, Cancelled(Complete).FailureDetails, null);

        Assert.True(OnboardingActivities.IsFinal(wrapped));
        Assert.Same(refusal, OnboardingActivities.FinalFailure(wrapped));
        Assert.False(OnboardingActivities.IsCancellation(wrapped));
        Assert.True(OnboardingActivities.IsCancellation(cancelled));
        Assert.False(OnboardingActivities.IsFinal(Internal(Complete).FailureDetails));
    }
}
