using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Moq;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.Tests.Orchestrations;

/// <summary>The "store, then start" rule over a mocked DurableTaskClient: start what is missing, never anything twice.</summary>
public sealed class OrchestrationClientTests
{
    private const string InstanceId = "order-42";
    private static readonly TaskName Orchestrator = new("CustomerOnboarding");

    private readonly Mock<DurableTaskClient> _client = new("test") { CallBase = false };

    [Fact]
    public async Task Starting_an_instance_that_exists_schedules_nothing()
    {
        Exists(OrchestrationRuntimeStatus.Completed);

        var started = await new OrchestrationClient(_client.Object).StartIfMissingAsync(Orchestrator, InstanceId, "42", CancellationToken.None);

        Assert.False(started);
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Starting_a_missing_instance_schedules_it_under_its_own_id()
    {
        _client.Setup(c => c.GetInstanceAsync(InstanceId, false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(Orchestrator, "42", It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == InstanceId), It.IsAny<CancellationToken>()))
            .ReturnsAsync(InstanceId);

        var started = await new OrchestrationClient(_client.Object).StartIfMissingAsync(Orchestrator, InstanceId, "42", CancellationToken.None);

        Assert.True(started);
        _client.VerifyAll();
    }

    [Fact]
    public async Task A_start_that_loses_the_race_to_a_concurrent_start_is_not_an_error()
    {
        _client.SetupSequence(c => c.GetInstanceAsync(InstanceId, false, It.IsAny<CancellationToken>()))
            .ReturnsAsync((OrchestrationMetadata?)null)
            .ReturnsAsync(new OrchestrationMetadata(Orchestrator.Name, InstanceId) { RuntimeStatus = OrchestrationRuntimeStatus.Running });
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(Orchestrator, It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("An instance with this id already exists."));

        var started = await new OrchestrationClient(_client.Object).StartIfMissingAsync(Orchestrator, InstanceId, "42", CancellationToken.None);

        Assert.False(started);
    }

    [Fact]
    public async Task A_failed_start_with_no_instance_afterwards_is_reported()
    {
        _client.Setup(c => c.GetInstanceAsync(InstanceId, false, It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(Orchestrator, It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("storage unreachable"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => new OrchestrationClient(_client.Object).StartIfMissingAsync(Orchestrator, InstanceId, "42", CancellationToken.None));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    public async Task An_event_for_a_finished_instance_is_not_raised(OrchestrationRuntimeStatus status)
    {
        Exists(status);

        var raised = await new OrchestrationClient(_client.Object).RaiseEventAsync(InstanceId, "InviteSignal", new object(), CancellationToken.None);

        Assert.False(raised);
        _client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task An_event_for_a_running_instance_is_raised()
    {
        Exists(OrchestrationRuntimeStatus.Running);
        var payload = new object();

        var raised = await new OrchestrationClient(_client.Object).RaiseEventAsync(InstanceId, "InviteSignal", payload, CancellationToken.None);

        Assert.True(raised);
        _client.Verify(c => c.RaiseEventAsync(InstanceId, "InviteSignal", payload, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Restarting_replaces_a_finished_instance_but_leaves_a_running_one()
    {
        Exists(OrchestrationRuntimeStatus.Running);
        await new OrchestrationClient(_client.Object).StartUnlessRunningAsync(Orchestrator, InstanceId, "42", CancellationToken.None);
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);

        Exists(OrchestrationRuntimeStatus.Failed);
        await new OrchestrationClient(_client.Object).StartUnlessRunningAsync(Orchestrator, InstanceId, "42", CancellationToken.None);
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(Orchestrator, "42", It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == InstanceId), It.IsAny<CancellationToken>()), Times.Once);
    }

    private void Exists(OrchestrationRuntimeStatus status) =>
        _client.Setup(c => c.GetInstanceAsync(InstanceId, false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata(Orchestrator.Name, InstanceId) { RuntimeStatus = status });
}
