using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

using Tier2.Functions.Tests.Infrastructure;

namespace Tier2.Functions.Tests.Email;

/// <summary>
/// A stand-in for Azure Communication Services Email (api-version 2023-03-31) on a real Kestrel server:
/// checks each request's HMAC signature and content hash the way the service does (401 on a mismatch) or a
/// bearer token, answers a send with 202 + Operation-Location, reports Running then a final status on polls,
/// can throttle with 429 + Retry-After, and creates one email per Operation-Id.
/// </summary>
internal sealed class FakeAcsServer : IAsyncDisposable
{
    /// <summary>The resource's access key, as the portal shows it (base64).</summary>
    public const string AccessKey = "ZmFrZS1hY3MtYWNjZXNzLWtleS1mb3ItdGllcjItZW1haWwtdGVzdHMhIQ==";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Operation> operations = new();
    private int throttledSends;

    private FakeAcsServer(WebApplication app, Uri endpoint, X509Certificate2? certificate)
    {
        this.app = app;
        Endpoint = endpoint;
        Certificate = certificate;
    }

    public Uri Endpoint { get; }

    public X509Certificate2? Certificate { get; }

    /// <summary>When set, requests must carry <c>Authorization: Bearer {token}</c> instead of an HMAC signature.</summary>
    public string? ExpectedBearerToken { get; set; }

    /// <summary>How many polls answer Running before the final status.</summary>
    public int RunningPolls { get; set; } = 1;

    /// <summary>Retry-After (seconds) on 202s and non-final polls, or none.</summary>
    public int? PollRetryAfterSeconds { get; set; } = 1;

    /// <summary>How many sends are answered 429 first, and with which Retry-After.</summary>
    public int ThrottleSends { get; set; }

    public string ThrottleRetryAfter { get; set; } = "1";

    /// <summary>When set, operations end Failed with this error instead of Succeeded.</summary>
    public (string Code, string Message)? FailWith { get; set; }

    /// <summary>Every request that reached the server, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The emails created (one per Operation-Id).</summary>
    public ConcurrentQueue<JsonObject> Emails { get; } = new();

    public static async Task<FakeAcsServer> StartAsync(bool https = false)
    {
        var certificate = https ? TestCertificates.CreateLocalhost() : null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        FakeAcsServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server = new FakeAcsServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), certificate);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        Certificate?.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        Requests.Enqueue(new RecordedRequest(
            request.Method,
            target,
            request.Headers.Authorization.ToString(),
            request.Headers["x-ms-date"].ToString(),
            request.Headers["x-ms-content-sha256"].ToString(),
            request.Headers["Operation-Id"].ToString(),
            request.Headers["x-ms-client-request-id"].ToString(),
            body));

        if (!Authenticate(context, target, body, out var authError))
        {
            await Error(context, 401, "Denied", authError);
            return;
        }

        if (request.Query["api-version"] != "2023-03-31")
        {
            await Error(context, 400, "InvalidApiVersion", "api-version must be 2023-03-31.");
            return;
        }

        if (HttpMethods.IsPost(request.Method) && request.Path == "/emails:send")
        {
            await SendAsync(context, body);
        }
        else if (HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/emails/operations", out var rest) && rest.Value is { Length: > 1 } id)
        {
            await PollAsync(context, id[1..]);
        }
        else
        {
            await Error(context, 404, "NotFound", "No such route.");
        }
    }

    private bool Authenticate(HttpContext context, string target, byte[] body, out string error)
    {
        var headers = context.Request.Headers;
        if (ExpectedBearerToken is not null)
        {
            error = "The bearer token is missing or invalid.";
            return headers.Authorization.ToString() == "Bearer " + ExpectedBearerToken;
        }

        var date = headers["x-ms-date"].ToString();
        var contentHash = headers["x-ms-content-sha256"].ToString();
        var authorization = headers.Authorization.ToString();
        if (contentHash != Convert.ToBase64String(SHA256.HashData(body)))
        {
            error = "The content hash does not match the body.";
            return false;
        }

        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            || (signedAt - DateTimeOffset.UtcNow).Duration() > TimeSpan.FromMinutes(15))
        {
            error = "x-ms-date is missing or more than 15 minutes off.";
            return false;
        }

        // The service's scheme: HMAC-SHA256 over "VERB\npath?query\ndate;host;contenthash" keyed with the decoded access key.
        var stringToSign = $"{context.Request.Method}\n{target}\n{date};{context.Request.Host.Value};{contentHash}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(AccessKey), Encoding.UTF8.GetBytes(stringToSign)));
        error = "The request signature does not match.";
        return authorization == $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={expected}";
    }

    private async Task SendAsync(HttpContext context, byte[] body)
    {
        if (Interlocked.Increment(ref throttledSends) <= ThrottleSends)
        {
            context.Response.Headers.RetryAfter = ThrottleRetryAfter;
            await Error(context, 429, "TooManyRequests", "Too many requests.");
            return;
        }

        var operationId = context.Request.Headers["Operation-Id"].ToString();
        if (!Guid.TryParse(operationId, out _))
        {
            await Error(context, 400, "InvalidOperationId", "Operation-Id must be a UUID.");
            return;
        }

        var email = JsonNode.Parse(body)!.AsObject();
        var operation = operations.GetOrAdd(operationId, _ =>
        {
            Emails.Enqueue(email);
            return new Operation();
        });

        context.Response.StatusCode = 202;
        context.Response.Headers["Operation-Location"] = new Uri(Endpoint, $"/emails/operations/{operationId}?api-version=2023-03-31").AbsoluteUri;
        if (PollRetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new JsonObject { ["id"] = operationId, ["status"] = operation.Polls == 0 ? "NotStarted" : Status(operation) });
    }

    private async Task PollAsync(HttpContext context, string operationId)
    {
        if (!operations.TryGetValue(operationId, out var operation))
        {
            await Error(context, 404, "NotFound", "No such operation.");
            return;
        }

        Interlocked.Increment(ref operation.Polls);
        var status = Status(operation);
        var answer = new JsonObject { ["id"] = operationId, ["status"] = status };
        if (status == "Failed" && FailWith is { } failure)
        {
            answer["error"] = new JsonObject { ["code"] = failure.Code, ["message"] = failure.Message };
        }

        if (status == "Running" && PollRetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(answer);
    }

    private string Status(Operation operation) => operation.Polls <= RunningPolls ? "Running" : FailWith is null ? "Succeeded" : "Failed";

    private static async Task Error(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-error-code"] = code;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }

    private sealed class Operation
    {
        public int Polls;
    }
}

internal sealed record RecordedRequest(string Method, string Target, string Authorization, string Date, string ContentHash, string OperationId, string ClientRequestId, byte[] Body);

/// <summary>
/// A clock whose waits return at once but move the clock forward by what was asked, and are recorded:
/// tests see the delays a sender chose without sleeping through them.
/// </summary>
internal sealed class FastForwardTimeProvider : TimeProvider
{
    private long offsetTicks;

    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public override long GetTimestamp() => base.GetTimestamp() + (long)(Interlocked.Read(ref offsetTicks) * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        Delays.Enqueue(dueTime);
        Interlocked.Add(ref offsetTicks, dueTime.Ticks);
        return base.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
