using System.Globalization;
using System.Text.Json;
using Tier2.Durable.Queues;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Answers the Functions host's custom-handler invocations of queue and timer functions: a POST of
/// <c>{"Data":{...},"Metadata":{...}}</c> answered with <c>{"Outputs":{},"Logs":[],"ReturnValue":null}</c>.
/// A failed invocation answers 500, so the host retries it and finally moves the message to the poison queue.
/// </summary>
public sealed partial class HostInvoker(FunctionCatalog catalog, IServiceScopeFactory scopes, TimeProvider time, ILogger<HostInvoker> logger)
{
    /// <summary>Binding names written into function.json; the host keys <c>Data</c> by them.</summary>
    public const string QueueBindingName = "message";
    public const string TimerBindingName = "timer";

    public async Task InvokeAsync(string functionName, HttpContext context)
    {
        var function = catalog.Find(functionName);
        if (function is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        JsonDocument payload;
        try
        {
            payload = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, $"Invocation payload is not JSON: {ex.Message}");
            return;
        }

        using (payload)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                switch (function.Trigger)
                {
                    case QueueTrigger:
                        await function.QueueHandler!(ReadQueueMessage(payload.RootElement), scope.ServiceProvider, context.RequestAborted);
                        break;
                    case TimerTrigger:
                        await function.TimerHandler!(ReadTimer(payload.RootElement, time), scope.ServiceProvider, context.RequestAborted);
                        break;
                    default:
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return;
                }
            }
            catch (InvalidInvocationException ex)
            {
                await WriteAsync(context, StatusCodes.Status400BadRequest, ex.Message);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                LogInvocationFailed(ex, functionName);
                await WriteAsync(context, StatusCodes.Status500InternalServerError, $"{functionName} failed: {ex.GetType().Name}");
                return;
            }

            await WriteAsync(context, StatusCodes.Status200OK, log: null);
        }
    }

    internal static QueueTriggerMessage ReadQueueMessage(JsonElement root)
    {
        var data = Property(root, "Data") ?? throw new InvalidInvocationException("Invocation payload has no 'Data'.");
        var item = Property(data, QueueBindingName) ?? throw new InvalidInvocationException($"Invocation payload has no 'Data.{QueueBindingName}'.");
        var body = item.ValueKind switch
        {
            JsonValueKind.String => Unquote(item.GetString()!),
            JsonValueKind.Object or JsonValueKind.Array => item.GetRawText(),
            _ => throw new InvalidInvocationException($"'Data.{QueueBindingName}' must be a string or an object."),
        };

        var metadata = Property(root, "Metadata");
        var dequeueCount = 1L;
        string? id = null;
        DateTimeOffset? inserted = null;
        if (metadata is { } m)
        {
            if (Property(m, "DequeueCount") is { } dc)
            {
                dequeueCount = dc.ValueKind == JsonValueKind.Number ? dc.GetInt64() : long.Parse(Unquote(dc.GetString() ?? "1"), CultureInfo.InvariantCulture);
            }

            if (Property(m, "Id") is { ValueKind: JsonValueKind.String } idElement)
            {
                id = Unquote(idElement.GetString()!);
            }

            if (Property(m, "InsertionTime") is { ValueKind: JsonValueKind.String } insertedElement
                && DateTimeOffset.TryParse(Unquote(insertedElement.GetString()!), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                inserted = at;
            }
        }

        return new QueueTriggerMessage(id ?? Guid.NewGuid().ToString("N"), body, dequeueCount, inserted);
    }

    internal static TimerTriggerInfo ReadTimer(JsonElement root, TimeProvider time)
    {
        var isPastDue = false;
        if (Property(root, "Data") is { } data && Property(data, TimerBindingName) is { ValueKind: JsonValueKind.Object } timer
            && Property(timer, "IsPastDue") is { } pastDue)
        {
            isPastDue = pastDue.ValueKind == JsonValueKind.True;
        }

        return new TimerTriggerInfo(time.GetUtcNow(), isPastDue);
    }

    // The host may send a message string JSON-quoted a second time; accept both forms.
    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize(value, HostingJsonContext.Default.String) ?? value;
            }
            catch (JsonException)
            {
                return value;
            }
        }

        return value;
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static async Task WriteAsync(HttpContext context, int status, string? log)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var response = new InvocationResponse(new Dictionary<string, string>(), log is null ? [] : [log], null);
        await JsonSerializer.SerializeAsync(context.Response.Body, response, HostingJsonContext.Default.InvocationResponse, context.RequestAborted);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Invocation of {FunctionName} failed")]
    private partial void LogInvocationFailed(Exception exception, string functionName);
}

/// <summary>The body of a custom-handler invocation response.</summary>
public sealed record InvocationResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("Outputs")] Dictionary<string, string> Outputs,
    [property: System.Text.Json.Serialization.JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: System.Text.Json.Serialization.JsonPropertyName("ReturnValue")] string? ReturnValue);

/// <summary>The host sent a payload this app cannot read; answered 400, not retried as a failure of the handler.</summary>
public sealed class InvalidInvocationException : Exception
{
    public InvalidInvocationException()
    {
    }

    public InvalidInvocationException(string message)
        : base(message)
    {
    }

    public InvalidInvocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
