using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Orchestrations;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// What runs around every HTTP function, under the Functions host and the standalone host alike (it runs inside the
/// function, so neither host can add or skip a step): correlation header, the public scheme, storage readiness,
/// body size limit, route values, authentication and the function's authorization policy, its rate limit, the
/// handler (bound by ASP.NET Core's <see cref="RequestDelegateFactory"/>), and problem details for every error.
/// </summary>
public sealed class HttpFunctionRunner(
    HttpFunctionCatalog catalog,
    IServiceProvider services,
    IPolicyEvaluator evaluator,
    IProblemDetailsService problems,
    IEnumerable<IExceptionHandler> exceptionHandlers,
    IEnumerable<HttpRateLimit> rateLimits,
    StorageReadiness readiness,
    IOptions<AppOptions> app)
{
    private static readonly TimeSpan ReadinessWait = TimeSpan.FromSeconds(20);
    private readonly ConcurrentDictionary<string, Lazy<CompiledHttpFunction>> _compiled = new(StringComparer.Ordinal);
    private readonly bool _publicHttps = app.Value.PublicBaseUrl?.Scheme == Uri.UriSchemeHttps;

    /// <summary>The response of HTTP function <paramref name="function"/> (the calling method: functions are named after their methods).</summary>
    /// <param name="durable">The function's <c>[DurableClient]</c>, for handlers that take an <see cref="OrchestrationClient"/>.</param>
    public IResult Run(HttpRequest request, DurableTaskClient? durable = null, [CallerMemberName] string function = "")
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Invocation(this, catalog[function], durable);
    }

    /// <summary>Every HTTP function as an ASP.NET Core endpoint under <paramref name="routePrefix"/> (for the OpenAPI document).</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints(string routePrefix) =>
        catalog.Functions.Select(f => Compiled(f).Describe(routePrefix)).ToList();

    private CompiledHttpFunction Compiled(HttpFunction function) =>
        _compiled.GetOrAdd(function.Name, _ => new Lazy<CompiledHttpFunction>(() => CompiledHttpFunction.Create(function, services))).Value;

    private async Task ExecuteAsync(HttpContext context, HttpFunction function, DurableTaskClient? durable)
    {
        var response = context.Response;
        if (System.Diagnostics.Activity.Current is { } activity)
        {
            // The correlation id of a request is its W3C trace id: it follows the request into the orchestrations
            // it starts, their activities and the emails they send.
            response.Headers["X-Correlation-Id"] = activity.TraceId.ToString();
        }

        if (_publicHttps)
        {
            // Behind the host TLS is terminated upstream; the scheme the public sees is the configured one (never a
            // header a client could forge), so cookies get Secure.
            context.Request.Scheme = Uri.UriSchemeHttps;
        }

        var compiled = Compiled(function);
        context.SetEndpoint(compiled.Endpoint);
        if (durable is not null)
        {
            context.Features.Set(new OrchestrationClient(durable));
        }

        try
        {
            if (function.Find<AnswersBeforeStorageIsReadyAttribute>() is null && !await WaitForStorageAsync(context))
            {
                return;
            }

            LimitBody(context);
            if (!await CheckContentEncodingAsync(context) || !await CheckCharsetAsync(context) || !MatchRoute(context, function) || !await AuthorizeAsync(context, compiled.Policy) || !await AdmitAsync(context, function))
            {
                return;
            }

            await compiled.Handler(context);
            if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                // An error without a body (a bare 404 or 409 result) still gets problem details.
                await WriteProblemAsync(context, response.StatusCode, null, null);
            }
        }
        catch (Exception ex) when (!response.HasStarted && !(ex is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            response.Clear();
            foreach (var handler in exceptionHandlers)
            {
                if (await handler.TryHandleAsync(context, ex, context.RequestAborted))
                {
                    return;
                }
            }

            throw;
        }
    }

    private async Task<bool> WaitForStorageAsync(HttpContext context)
    {
        if (readiness.IsReady)
        {
            return true;
        }

        try
        {
            // Storage is set up in the background (fast cold start); work waits for it.
            await readiness.Ready.WaitAsync(ReadinessWait, context.RequestAborted);
            return true;
        }
        catch (TimeoutException)
        {
            context.Response.Headers.RetryAfter = "5";
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Starting.", "Storage is not ready yet; retry shortly.");
            return false;
        }
    }

    private void LimitBody(HttpContext context)
    {
        var limit = app.Value.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (context.Request.ContentLength > limit)
        {
            // Refused before a byte is read; a body without a length is cut off by the server at the same limit.
            throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
    }

    /// <summary>
    /// A body in a content coding (RFC 9110 8.4: gzip, br, ...) is 415 naming it, with <c>Accept-Encoding: identity</c>
    /// (RFC 9110 15.5.16): the app reads a body as sent and decodes none, so a coded body is refused up front instead
    /// of failing as malformed JSON or form data.
    /// </summary>
    private async Task<bool> CheckContentEncodingAsync(HttpContext context)
    {
        var codings = context.Request.Headers.ContentEncoding
            .SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(c => !c.Equals("identity", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (codings.Count == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        context.Response.Headers.AcceptEncoding = "identity";
        await WriteProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported content coding.",
            $"The request body is sent with Content-Encoding {string.Join(", ", codings)}; send it without a content coding.");
        return false;
    }

    /// <summary>
    /// A body in a character set the app cannot read is 415 for every function, before a handler binds it: JSON is
    /// UTF-8 (RFC 8259); another body's charset must be one .NET knows, and never UTF-7. The parameter is read as
    /// RFC 9110 writes it (a token or a quoted string); an empty, repeated or unknown one is 415, and an accepted JSON
    /// charset is dropped from the request's Content-Type so that the JSON reader, which takes the parameter verbatim,
    /// never sees a quoted value.
    /// </summary>
    private async Task<bool> CheckCharsetAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (string.IsNullOrEmpty(contentType) || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            await WriteProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.", "The Content-Type header is not a media type (RFC 9110); send application/json.");
            return false;
        }

        var charsets = mediaType.Parameters.Where(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)).ToList();
        if (charsets.Count == 0)
        {
            return true;
        }

        var charset = charsets.Count == 1 ? Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(charsets[0].Value).Value : null;
        var json = mediaType.SubTypeWithoutSuffix.Equals("json", StringComparison.OrdinalIgnoreCase) || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);
        var known = false;
        if (!string.IsNullOrWhiteSpace(charset))
        {
            try
            {
                var encoding = System.Text.Encoding.GetEncoding(charset);
                known = json ? encoding.CodePage == System.Text.Encoding.UTF8.CodePage : encoding.CodePage != 65000;
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                known = false;
            }
        }

        if (known)
        {
            if (json)
            {
                context.Request.ContentType = mediaType.MediaType.Value;
            }

            return true;
        }

        await WriteProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported charset.",
            json ? "Send JSON as UTF-8 (charset=utf-8, or no charset)." : "The request's charset is not supported; send UTF-8.");
        return false;
    }

    private static bool MatchRoute(HttpContext context, HttpFunction function)
    {
        // Under the Functions host the worker gets no route values; under the standalone host they carry its prefix.
        // Matching the route against the path's last segments gives both hosts the same values.
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var count = function.Pattern.PathSegments.Count;
        var tail = new PathString("/" + string.Join('/', segments.Skip(Math.Max(0, segments.Length - count))));
        var values = new RouteValueDictionary();
        if (!new TemplateMatcher(new RouteTemplate(function.Pattern), new RouteValueDictionary()).TryMatch(tail, values))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return false;
        }

        foreach (var (key, value) in values)
        {
            context.Request.RouteValues[key] = value;
        }

        return true;
    }

    private async Task<bool> AuthorizeAsync(HttpContext context, AuthorizationPolicy? policy)
    {
        if (policy is null)
        {
            return true;
        }

        var authentication = await evaluator.AuthenticateAsync(policy, context);
        var result = await evaluator.AuthorizeAsync(policy, authentication, context, resource: context);
        if (result.Succeeded)
        {
            return true;
        }

        if (result.Challenged)
        {
            await context.ChallengeAsync();
            await WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized.", "Send a valid bearer token (Authorization: Bearer ...).");
        }
        else
        {
            await context.ForbidAsync();
            var reason = result.AuthorizationFailure?.FailureReasons.Select(r => r.Message).FirstOrDefault(m => !string.IsNullOrEmpty(m));
            await WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden.", reason ?? "Your role may not do this.");
        }

        return false;
    }

    private async Task<bool> AdmitAsync(HttpContext context, HttpFunction function)
    {
        if (function.Find<RateLimitedAttribute>() is not { } limited)
        {
            return true;
        }

        var limit = rateLimits.FirstOrDefault(l => l.Name == limited.Policy)
            ?? throw new InvalidOperationException($"HTTP function '{function.Name}' names rate limit '{limited.Policy}', which is not registered.");
        using var lease = limit.Limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return true;
        }

        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests.", $"Slow down: try again in {seconds} seconds.");
        return false;
    }

    private async Task WriteProblemAsync(HttpContext context, int status, string? title, string? detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Type = ProblemTypes.ForStatus(status) },
        });
    }

    private sealed class Invocation(HttpFunctionRunner runner, HttpFunction function, DurableTaskClient? durable) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => runner.ExecuteAsync(httpContext, function, durable);
    }

    /// <summary>A function's handler bound once (RequestDelegateFactory), its authorization policy, and its endpoint description.</summary>
    private sealed class CompiledHttpFunction
    {
        private readonly HttpFunction _function;
        private readonly IServiceProvider _services;

        private CompiledHttpFunction(HttpFunction function, IServiceProvider services, RequestDelegate handler, RouteEndpoint endpoint, AuthorizationPolicy? policy)
        {
            _function = function;
            _services = services;
            Handler = handler;
            Endpoint = endpoint;
            Policy = policy;
        }

        public RequestDelegate Handler { get; }

        public RouteEndpoint Endpoint { get; }

        /// <summary>Null: anonymous.</summary>
        public AuthorizationPolicy? Policy { get; }

        public static CompiledHttpFunction Create(HttpFunction function, IServiceProvider services)
        {
            var endpoint = Build(function, function.Pattern, services, out var handler);
            var policyProvider = services.GetRequiredService<IAuthorizationPolicyProvider>();
            AuthorizationPolicy? policy = null;
            if (function.Find<IAllowAnonymous>() is null)
            {
                var authorize = function.Metadata.OfType<IAuthorizeData>().ToList();
                policy = authorize.Count > 0
                    ? AuthorizationPolicy.CombineAsync(policyProvider, authorize).GetAwaiter().GetResult()
                    : policyProvider.GetDefaultPolicyAsync().GetAwaiter().GetResult();
            }

            return new CompiledHttpFunction(function, services, handler, endpoint, policy);
        }

        public RouteEndpoint Describe(string routePrefix) =>
            Build(_function, RoutePatternFactory.Parse("/" + routePrefix.Trim('/') + "/" + _function.Route), _services, out _);

        private static RouteEndpoint Build(HttpFunction function, RoutePattern pattern, IServiceProvider services, out RequestDelegate handler)
        {
            var builder = new RouteEndpointBuilder(requestDelegate: null, pattern, order: 0)
            {
                DisplayName = function.Name,
                ApplicationServices = services,
            };
            builder.Metadata.Add(function.Handler);
            builder.Metadata.Add(new HttpMethodMetadata(function.Methods));
            builder.Metadata.Add(new EndpointNameMetadata(function.Name));
            foreach (var attribute in function.Metadata)
            {
                builder.Metadata.Add(attribute);
            }

            var options = new RequestDelegateFactoryOptions
            {
                ServiceProvider = services,
                RouteParameterNames = pattern.Parameters.Select(p => p.Name).ToList(),
                ThrowOnBadRequest = true,
                EndpointBuilder = builder,
            };
            var metadata = RequestDelegateFactory.InferMetadata(function.Handler, options);
            var created = RequestDelegateFactory.Create(function.Handler, targetFactory: null, options, metadata);
            handler = created.RequestDelegate;
            builder.RequestDelegate = handler;
            return (RouteEndpoint)builder.Build();
        }
    }
}
