using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>What every Partner Center API call goes through, in order: headers echoed [K:headers], the call recorded,
/// latency, the bearer token, the rate limit, armed faults, then the endpoint.</summary>
internal static class ApiPipeline
{
    private const string GrantKey = "Tier2.LocalPartnerCenter.Grant";

    public static bool IsApiPath(PathString path) => path.StartsWithSegments("/v1") || path.StartsWithSegments("/webhooks");

    /// <summary>The caller's grant (set once the token was accepted).</summary>
    public static AccessGrant Grant(this HttpContext context) => (AccessGrant)context.Items[GrantKey]!;

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        IServiceProvider services = context.RequestServices;
        LocalPartnerCenterOptions options = services.GetRequiredService<LocalPartnerCenterOptions>();
        EchoHeaders(context);
        Dictionary<string, string> headers = context.Request.Headers
            .Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        DateTimeOffset receivedAt = options.TimeProvider.GetUtcNow();
        try
        {
            if (options.Latency > TimeSpan.Zero)
            {
                await Task.Delay(options.Latency, context.RequestAborted);
            }

            if (Refusal(context, services) is { } refused)
            {
                await refused.ExecuteAsync(context);
                return;
            }

            FaultBook faults = services.GetRequiredService<FaultBook>();
            FaultSpec? fault = faults.Take(context.Request.Method, context.Request.Path,
                FaultKind.Throttle, FaultKind.ServerError, FaultKind.Error, FaultKind.TimeoutAfterChange);
            if (fault is { Kind: FaultKind.TimeoutAfterChange })
            {
                await RunThenWithhold(context, next, fault);
            }
            else if (fault is not null)
            {
                await FaultResult(context, fault).ExecuteAsync(context);
            }
            else
            {
                await next(context);
            }
        }
        finally
        {
            services.GetRequiredService<RequestLog>().Add(new SeenRequest(
                context.Request.Method, context.Request.Path, context.Request.QueryString.Value ?? "", headers,
                context.Response.StatusCode, receivedAt));
        }
    }

    private static void EchoHeaders(HttpContext context)
    {
        IHeaderDictionary request = context.Request.Headers;
        IHeaderDictionary response = context.Response.Headers;
        response["MS-RequestId"] = request["MS-RequestId"] is { Count: > 0 } id ? id : Guid.NewGuid().ToString();
        response["MS-CorrelationId"] = request["MS-CorrelationId"] is { Count: > 0 } correlation ? correlation : Guid.NewGuid().ToString();
        response["MS-CV"] = TokenStore.Base64Url(RandomNumberGenerator.GetBytes(12)) + ".0";
        response["MS-ServerId"] = "0000LOCAL";
    }

    /// <summary>401 without a valid token, the retired audience's 401/900420, or the rate limit's 429.</summary>
    private static IResult? Refusal(HttpContext context, IServiceProvider services)
    {
        string authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return PartnerCenterErrors.Fail(401, 800001, "Partner Token missing in request context");
        }

        LocalPartnerCenterOptions options = services.GetRequiredService<LocalPartnerCenterOptions>();
        AccessGrant? grant = services.GetRequiredService<TokenStore>().FindAccessToken(authorization["Bearer ".Length..].Trim());
        if (grant is null || options.TimeProvider.GetUtcNow() >= grant.ExpiresOn)
        {
            // "Unauthorized | 401 | 400 | Access denied" in [K:error-codes].
            return PartnerCenterErrors.Fail(401, 400, "Access denied: the access token is missing, expired or was not issued here.");
        }

        if (grant.Audience != TokenStore.PartnerCenterAudience)
        {
            // [ISS:microsoft/Partner-Center-DotNet-Samples#140], FACTS 1.1.
            return PartnerCenterErrors.Fail(401, 900420, $"The audience '{grant.Audience}' in the token is invalid and is no longer supported in Partner Center API");
        }

        context.Items[GrantKey] = grant;
        if (context.Request.Path.StartsWithSegments("/v1/customers")
            && services.GetRequiredService<RateLimiter>().TryAcquire(grant.TenantId) is int retryAfter)
        {
            return Throttled(context, retryAfter);
        }

        return null;
    }

    private static IResult FaultResult(HttpContext context, FaultSpec fault) => fault.Kind switch
    {
        FaultKind.Throttle => Throttled(context, fault.RetryAfterSeconds),
        FaultKind.ServerError => PartnerCenterErrors.Fail(500, fault.Code == 0 ? 500 : fault.Code, fault.Description ?? "An internal error occurred (armed fault)."),
        _ => PartnerCenterErrors.Fail(fault.Status == 0 ? 400 : fault.Status, fault.Code, fault.Description ?? "Armed fault."),
    };

    /// <summary>429: <c>Retry-After</c> and <c>{statusCode, message}</c> [K:api-throttling-guidance].</summary>
    private static JsonHttpResult<ThrottledError> Throttled(HttpContext context, int retryAfter)
    {
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Json(new ThrottledError(429, $"Rate limit is exceeded. Try again in {retryAfter} seconds."),
            PartnerCenterJson.Default.ThrottledError, statusCode: 429);
    }

    /// <summary>The "did it happen?" case: the endpoint makes its change, then the caller never gets the answer (the
    /// connection is aborted, or the answer is held past the caller's timeout).</summary>
    private static async Task RunThenWithhold(HttpContext context, RequestDelegate next, FaultSpec fault)
    {
        Stream original = context.Response.Body;
        using MemoryStream buffer = new();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (fault.HoldForSeconds is not double hold)
        {
            context.Abort();
            return;
        }

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(hold), context.RequestAborted);
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up first, as intended.
        }
    }

    /// <summary>App+User-only operations (FACTS 1.4) refuse app-only tokens with 403/2032 "Access denied".</summary>
    public static TBuilder AppPlusUserOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) => context.HttpContext.Grant().AppOnly
            ? PartnerCenterErrors.Fail(403, 2032, "Access denied: this operation requires App+User authentication; the token is app-only.")
            : await next(context));
}
