using System.Text.RegularExpressions;
using Tier2.Durable.Queues;

namespace Tier2.Functions.Hosting;

/// <summary>What starts a function. Each function has exactly one trigger.</summary>
public abstract record FunctionTrigger;

/// <summary>An HTTP function; <see cref="Route"/> is relative to the host's <c>api</c> route prefix.</summary>
public sealed record HttpTrigger(string Route, IReadOnlyList<string> Methods, bool Anonymous) : FunctionTrigger;

/// <summary>A queue function; the queue name is resolved from settings when the catalog is built.</summary>
public sealed record QueueTrigger(string QueueName) : FunctionTrigger;

/// <summary>A timer function with a six-field NCRONTAB schedule (seconds first), as the Functions host reads it.</summary>
public sealed record TimerTrigger(string Schedule) : FunctionTrigger;

/// <summary>Runs a queue function for one message.</summary>
public delegate Task QueueFunctionHandler(QueueTriggerMessage message, IServiceProvider services, CancellationToken cancellationToken);

/// <summary>Runs a timer function once.</summary>
public delegate Task TimerFunctionHandler(TimerTriggerInfo timer, IServiceProvider services, CancellationToken cancellationToken);

/// <summary>What a timer function learns about its invocation (the host's <c>TimerInfo</c>).</summary>
public sealed record TimerTriggerInfo(DateTimeOffset ScheduledAt, bool IsPastDue);

/// <summary>One function: its name, its trigger, and (for queue and timer functions) its handler.</summary>
public sealed record FunctionDefinition(string Name, FunctionTrigger Trigger)
{
    public QueueFunctionHandler? QueueHandler { get; init; }

    public TimerFunctionHandler? TimerHandler { get; init; }
}

/// <summary>
/// Every function of the app, declared once. HTTP routes, the host's invocation endpoints, standalone
/// triggers and the published <c>function.json</c> files are all derived from this list.
/// </summary>
public sealed partial class FunctionCatalog
{
    private readonly List<FunctionDefinition> _functions = [];
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<FunctionDefinition> Functions => _functions;

    public FunctionDefinition? Find(string name) => _functions.Find(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    public void Add(FunctionDefinition function)
    {
        // The host accepts letters, digits, '_' and '-', starting with a letter, at most 127 characters.
        if (!FunctionName().IsMatch(function.Name))
        {
            throw new ArgumentException($"Function name '{function.Name}' is not a valid Azure Functions name.", nameof(function));
        }

        if (!_names.Add(function.Name))
        {
            throw new InvalidOperationException($"Function '{function.Name}' is declared twice.");
        }

        switch (function.Trigger)
        {
            case QueueTrigger when function.QueueHandler is null:
            case TimerTrigger when function.TimerHandler is null:
                throw new ArgumentException($"Function '{function.Name}' has no handler.", nameof(function));
            case QueueTrigger q when !QueueName().IsMatch(q.QueueName):
                throw new ArgumentException($"Function '{function.Name}': '{q.QueueName}' is not a valid queue name.", nameof(function));
            case TimerTrigger t:
                CronSchedule.Parse(t.Schedule, $"function '{function.Name}'");
                break;
        }

        _functions.Add(function);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,126}$")]
    private static partial Regex FunctionName();

    [GeneratedRegex("^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueName();
}
