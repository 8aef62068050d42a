using Tier2.Functions.Orders;

namespace Tier2.Functions.Tests.Orders;

/// <summary>Holds an order after its customer was created until the test lets it go.</summary>
internal sealed class PauseAfterCustomer : IOnboardingFaultInjector
{
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task OnStepAsync(OnboardingStep step, string orderId, int? lineIndex, CancellationToken cancellationToken)
    {
        if (step == OnboardingStep.CreateCustomer)
        {
            Reached.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }
    }
}
