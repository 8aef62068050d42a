using System.Globalization;
using System.Text.Json;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Core = DurableTask.Core;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;

namespace Tier2.Standalone.Durable;

/// <summary>
/// A <see cref="DurableTaskClient"/> over DTFx's Azure Storage orchestration service: what
/// <c>[DurableClient]</c> parameters receive under the standalone host, and the <see cref="DurableTaskClient"/>
/// singleton in its container.
/// </summary>
public sealed class DtfxDurableTaskClient : DurableTaskClient
{
    // DTFx's WaitForOrchestrationAsync polls every 2 s; callers measure latency, so poll fast at first.
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(1);

    // Under Durable Functions a start for an id in one of these states fails; other states are replaced.
    private static readonly Core.OrchestrationStatus[] RunningStates =
    [
        Core.OrchestrationStatus.Pending, Core.OrchestrationStatus.Running,
        Core.OrchestrationStatus.ContinuedAsNew, Core.OrchestrationStatus.Suspended,
    ];

    private readonly DurableEngine engine;

    internal DtfxDurableTaskClient(DurableEngine engine)
        : base(engine.HubName) => this.engine = engine;

    private DataConverter Converter => this.engine.DataConverter;

    /// <inheritdoc/>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        string instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        if (await this.StateAsync(instanceId, fetchInput: false).ConfigureAwait(false) is { } existing
            && RunningStates.Contains(existing.OrchestrationStatus))
        {
            throw AlreadyExists(instanceId, existing.OrchestrationStatus, null);
        }

        Core.OrchestrationInstance instance = new() { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") };
        Dictionary<string, string> tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value) ?? [];
        Core.TaskMessage message = new()
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, this.Converter.Serialize(input))
            {
                Name = orchestratorName.Name,
                Version = options?.Version is { } version ? (string)version : string.Empty,
                OrchestrationInstance = instance,
                ScheduledStartTime = options?.StartAt?.UtcDateTime,
                Tags = tags,
            },
        };

        try
        {
            // The dedupe statuses close the race between the check above and this write.
            await this.engine.Service.CreateTaskOrchestrationAsync(message, RunningStates).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException e)
        {
            throw AlreadyExists(instanceId, null, e);
        }

        return instanceId;
    }

    /// <inheritdoc/>
    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return this.SendAsync(instanceId, new EventRaisedEvent(-1, this.Converter.Serialize(eventPayload)) { Name = eventName }, cancellation);
    }

    /// <inheritdoc/>
    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        await this.engine.Service.ForceTerminateTaskOrchestrationAsync(instanceId, this.Converter.Serialize(options?.Output)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        this.SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        this.SendAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        Core.OrchestrationState? state = await this.StateAsync(instanceId, getInputsAndOutputs).ConfigureAwait(false);
        TaskFailureDetails? failure = state is { OrchestrationStatus: Core.OrchestrationStatus.Failed, FailureDetails: null }
            ? await this.FailureFromHistoryAsync(state).ConfigureAwait(false)
            : null;
        return this.ToMetadata(state, getInputsAndOutputs, failure);
    }

    /// <inheritdoc/>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            await this.ReadyAsync(cancellation).ConfigureAwait(false);
            CoreQuery query = new()
            {
                RuntimeStatus = filter?.Statuses?.Select(s => (Core.OrchestrationStatus)s).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                TaskHubNames = filter?.TaskHubNames?.ToList(),
                PageSize = pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            Core.Query.OrchestrationQueryResult result = await ((Core.Query.IOrchestrationServiceQueryClient)this.engine.Service)
                .GetOrchestrationWithQueryAsync(query, cancellation).ConfigureAwait(false);
            List<OrchestrationMetadata> page = [.. result.OrchestrationState.Select(s => this.ToMetadata(s, query.FetchInputsAndOutputs)!)];

            // Azure Storage hands out a token even when the next page is empty; an empty token ends the pages.
            return new Page<OrchestrationMetadata>(page, string.IsNullOrEmpty(result.ContinuationToken) ? null : result.ContinuationToken);
        });

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        Core.PurgeResult result = await ((Core.IOrchestrationServicePurgeClient)this.engine.Service).PurgeInstanceStateAsync(instanceId).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount, result.IsComplete);
    }

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        Core.PurgeInstanceFilter coreFilter = new(
            filter.CreatedFrom?.UtcDateTime ?? DateTime.MinValue,
            filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(s => (Core.OrchestrationStatus)s));
        Core.PurgeResult result = await ((Core.IOrchestrationServicePurgeClient)this.engine.Service).PurgeInstanceStateAsync(coreFilter).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount, result.IsComplete);
    }

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        this.PollAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        this.PollAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => default;

    private static InvalidOperationException AlreadyExists(string instanceId, Core.OrchestrationStatus? status, Exception? inner)
    {
        string message = string.Create(CultureInfo.InvariantCulture,
            $"An instance with ID '{instanceId}' already exists{(status is { } s ? $" with status {s}" : "")}.");
        return new InvalidOperationException(message, inner ?? new OrchestrationAlreadyExistsException(message));
    }

    private async Task<OrchestrationMetadata> PollAsync(
        string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        TimeSpan delay = FirstPoll;
        while (true)
        {
            // An instance not found yet is waited for too: a start may still be on its way.
            if (await this.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false) is { } metadata && done(metadata))
            {
                return metadata;
            }

            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestPoll.Ticks));
        }
    }

    private async Task SendAsync(string instanceId, HistoryEvent historyEvent, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        await this.ReadyAsync(cancellation).ConfigureAwait(false);
        await this.engine.Service.SendTaskOrchestrationMessageAsync(new Core.TaskMessage
        {
            OrchestrationInstance = new Core.OrchestrationInstance { InstanceId = instanceId },
            Event = historyEvent,
        }).ConfigureAwait(false);
    }

    private Task ReadyAsync(CancellationToken cancellation) => this.engine.EnsureCreatedAsync(cancellation);

    private async Task<Core.OrchestrationState?> StateAsync(string instanceId, bool fetchInput) =>
        (await this.engine.Service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: fetchInput).ConfigureAwait(false))
            ?.FirstOrDefault();

    private OrchestrationMetadata? ToMetadata(Core.OrchestrationState? state, bool withData, TaskFailureDetails? failure = null)
    {
        if (state is null)
        {
            return null;
        }

        return new OrchestrationMetadata(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = withData ? this.Converter : null,

            // Durable Functions reports an instance that continued as new as Running.
            RuntimeStatus = state.OrchestrationStatus == Core.OrchestrationStatus.ContinuedAsNew
                ? OrchestrationRuntimeStatus.Running
                : (OrchestrationRuntimeStatus)state.OrchestrationStatus,
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withData ? state.Input : null,
            SerializedOutput = withData ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = ToFailure(state.FailureDetails) ?? failure,
        };
    }

    // The Azure Storage instances table keeps only the failure's message; the history keeps its details.
    private async Task<TaskFailureDetails?> FailureFromHistoryAsync(Core.OrchestrationState state)
    {
        try
        {
            string history = await this.engine.Service.GetOrchestrationHistoryAsync(
                state.OrchestrationInstance.InstanceId, state.OrchestrationInstance.ExecutionId).ConfigureAwait(false);
            using JsonDocument document = JsonDocument.Parse(history);
            return document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("FailureDetails", out JsonElement f) && f.ValueKind == JsonValueKind.Object)
                .Select(e => FromJson(e.GetProperty("FailureDetails")))
                .LastOrDefault();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or Azure.RequestFailedException)
        {
            return null;
        }

        static TaskFailureDetails FromJson(JsonElement failure) => new(
            Text(failure, "ErrorType") ?? "(unknown)",
            Text(failure, "ErrorMessage") ?? "",
            Text(failure, "StackTrace"),
            failure.TryGetProperty("InnerFailure", out JsonElement inner) && inner.ValueKind == JsonValueKind.Object ? FromJson(inner) : null,
            null);

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static TaskFailureDetails? ToFailure(Core.FailureDetails? failure) =>
        failure is null ? null : new TaskFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToFailure(failure.InnerFailure), null);
}
