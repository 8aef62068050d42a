using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Tier2.Functions.Hosting;

/// <summary>
/// Stable RFC 9457 problem <c>type</c> URIs, one per kind of error, so a client can branch on them.
/// </summary>
public static class ProblemTypes
{
    private const string Base = "urn:tier2:problem:";

    public const string Validation = Base + "validation";
    public const string MalformedRequest = Base + "malformed-request";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string Conflict = Base + "conflict";
    public const string Gone = Base + "gone";
    public const string PreconditionFailed = Base + "precondition-failed";
    public const string PreconditionRequired = Base + "precondition-required";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string RateLimited = Base + "rate-limited";
    public const string Internal = Base + "internal";
    public const string Unavailable = Base + "unavailable";

    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        410 => Gone,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Validation,
        428 => PreconditionRequired,
        429 => RateLimited,
        503 => Unavailable,
        _ => status >= 500 ? Internal : Base + "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Builders for the problem results endpoints return.</summary>
public static class Problem
{
    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail ?? "One or more fields are invalid.", title: "The request is invalid.", type: ProblemTypes.Validation);

    public static ValidationProblem Field(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>
    /// The one answer to an <c>Idempotency-Key</c> reused for a different request (another body, or another resource):
    /// 422 naming the key, as the IETF Idempotency-Key draft describes.
    /// </summary>
    public static ProblemHttpResult IdempotencyKeyReused(string detail = "This Idempotency-Key was used with a different request; send the same request to repeat it, or use a new Idempotency-Key.") =>
        TypedResults.Problem(
            detail,
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "Idempotency-Key reused.",
            type: ProblemTypes.Validation,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [Http.IdempotencyKeys.Header] = [detail] } });

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem($"{what} was not found.", statusCode: 404, title: "Not found.", type: ProblemTypes.NotFound);

    public static ProblemHttpResult Conflict(string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: 409, title: "Conflict.", type: ProblemTypes.Conflict, extensions: extensions);

    public static ProblemHttpResult Gone(string detail) =>
        TypedResults.Problem(detail, statusCode: 410, title: "Gone.", type: ProblemTypes.Gone);

    public static ProblemHttpResult PreconditionFailed(string detail = "The resource changed since you read it (ETag mismatch); read it again and retry.") =>
        TypedResults.Problem(detail, statusCode: 412, title: "Precondition failed.", type: ProblemTypes.PreconditionFailed);

    public static ProblemHttpResult PreconditionRequired() =>
        TypedResults.Problem("This request needs an If-Match header with the resource's ETag.", statusCode: 428, title: "Precondition required.", type: ProblemTypes.PreconditionRequired);

    public static ProblemHttpResult TooManyRequests(string detail) =>
        TypedResults.Problem(detail, statusCode: 429, title: "Too many requests.", type: ProblemTypes.RateLimited);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: 403, title: "Forbidden.", type: ProblemTypes.Forbidden);

    /// <summary>
    /// What a guarded change answers when it did not go through: 404 (no such <paramref name="what"/>), 412 (lost
    /// the ETag race), or 409 with the reason it was refused; null when the caller may go on.
    /// </summary>
    public static ProblemHttpResult? ForChange<T>(Storage.ChangeResult<T> result, string what, string? refusal = null)
        where T : class => result.Outcome switch
        {
            Storage.ChangeOutcome.NotFound => NotFound(what),
            Storage.ChangeOutcome.PreconditionFailed => PreconditionFailed(),
            _ when refusal is not null => Conflict(refusal),
            Storage.ChangeOutcome.InvalidState => Conflict(result.Reason ?? $"{what} cannot change now."),
            _ => null,
        };
}

/// <summary>Turns exceptions into problem details: bad JSON names the problem; anything unexpected is a 500 without internals.</summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string title;
        string detail;
        string type;
        Dictionary<string, string[]>? errors = null;
        switch (exception)
        {
            case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge:
                (status, title, type) = (413, "The request body is too large.", ProblemTypes.PayloadTooLarge);
                detail = bad.Message;
                break;
            case BadHttpRequestException bad when bad.InnerException is JsonException json:
                (status, title, type) = (400, "The request body is not valid JSON for this operation.", ProblemTypes.MalformedRequest);
                detail = DescribeJson(json);
                break;
            case BadHttpRequestException bad when UnboundParameter.Of(bad.Message) is { } unbound:
                // A query, route or header value of the wrong type: the field it was meant for, as a body field's error names it.
                (status, title, type) = (400, "The request is invalid.", ProblemTypes.Validation);
                detail = "One or more fields are invalid.";
                errors = new Dictionary<string, string[]> { [unbound.Name] = [unbound.Message] };
                break;
            case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType:
                (status, title, type) = (415, "Unsupported media type.", ProblemTypes.UnsupportedMediaType);
                detail = "Send the body as application/json.";
                break;
            case BadHttpRequestException bad:
                (status, title, type) = (bad.StatusCode, "The request is malformed.", ProblemTypes.ForStatus(bad.StatusCode));
                detail = bad.Message;
                break;
            case JsonException json:
                (status, title, type) = (400, "The request body is not valid JSON for this operation.", ProblemTypes.MalformedRequest);
                detail = DescribeJson(json);
                break;
            case PartnerCenter.PartnerCenterException partnerCenter:
                // Partner Center's refusal is the caller's to read (code, description, MS-CorrelationId), never a 500.
                var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails();
                PartnerCenter.PartnerCenterProblems.Apply(partnerCenter, problem, httpContext.Response);
                LogPartnerCenter(partnerCenter.Kind, partnerCenter.Code, partnerCenter.CorrelationId);
                return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
            default:
                // The route template, not the path: a path may hold a secret (an invite token).
                LogUnhandled(exception, httpContext.Request.Method, (httpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)");
                (status, title, type) = (500, "An unexpected error occurred.", ProblemTypes.Internal);
                detail = "The error was logged; quote the traceId when you report it.";
                break;
        }

        httpContext.Response.StatusCode = status;
        var written = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Type = type },
        };
        if (errors is not null)
        {
            written.ProblemDetails.Extensions["errors"] = errors;
        }

        return await problems.TryWriteAsync(written);
    }

    private static string DescribeJson(JsonException json)
    {
        var where = json.Path is { Length: > 0 } path ? $" at '{path}'" : string.Empty;
        var line = json.LineNumber is { } l ? $" (line {l + 1}, position {json.BytePositionInLine ?? 0})" : string.Empty;
        var message = json.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return $"Invalid JSON{where}{line}: {message}";
    }

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Partner Center call failed: {Kind}, code {Code}, MS-CorrelationId {CorrelationId}")]
    private partial void LogPartnerCenter(PartnerCenter.PartnerCenterErrorKind kind, string? code, string? correlationId);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}

public static class ProblemSetup
{
    public static IServiceCollection AddTier2Problems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal) || problem.Type.StartsWith("https://datatracker.ietf.org/", StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }

            problem.Instance ??= (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } route && route.Contains(Invites.InvitePage.Route, StringComparison.Ordinal)
                ? route
                : context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}

/// <summary>
/// A parameter minimal APIs could not bind (<c>Failed to bind parameter "bool? refresh" from "maybe".</c>, the message
/// of <c>RequestDelegateFactory</c>'s <see cref="BadHttpRequestException"/>): its name and what it takes.
/// </summary>
public sealed partial record UnboundParameter(string Name, string Message)
{
    private const int MaxValueShown = 100;

    public static UnboundParameter? Of(string message)
    {
        var match = Pattern().Match(message);
        if (!match.Success)
        {
            return null;
        }

        var typeName = match.Groups["type"].Value;
        var value = match.Groups["value"].Value;
        var takes = typeName switch
        {
            _ when typeName.Contains("bool", StringComparison.OrdinalIgnoreCase) => "true or false",
            _ when typeName.Contains("int", StringComparison.OrdinalIgnoreCase) || typeName.Contains("long", StringComparison.OrdinalIgnoreCase) => "a whole number",
            _ when typeName.Contains("Guid", StringComparison.Ordinal) => "a GUID",
            _ when typeName.Contains("Date", StringComparison.Ordinal) => "an ISO 8601 date and time",
            _ => "a " + typeName,
        };
        var shown = value.Length > MaxValueShown ? value[..MaxValueShown] + "..." : value;
        return new(match.Groups["name"].Value, $"'{shown}' is not {takes}; send {takes}.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[A-Za-z_][A-Za-z0-9_]*)" from "(?<value>.*)"\.$""", System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.CultureInvariant, 1000)]
    private static partial System.Text.RegularExpressions.Regex Pattern();
}
