using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Email;

/// <summary>
/// Azure Communication Services Email over REST (api-version 2023-03-31) on an Azure.Core pipeline:
/// <c>POST {endpoint}/emails:send</c> with an <c>Operation-Id</c> derived from the idempotency key, then polls
/// <c>Operation-Location</c> until Succeeded, Failed or Canceled. Access-key (HMAC-SHA256) or Microsoft Entra ID auth.
/// </summary>
public sealed partial class AcsEmailSender : IEmailSender
{
    public const string ApiVersion = "2023-03-31";
    public const string Scope = "https://communication.azure.com//.default";

    private readonly EmailOptions options;
    private readonly Uri endpoint;
    private readonly HttpPipeline pipeline;
    private readonly TimeProvider time;
    private readonly ILogger<AcsEmailSender> logger;

    public AcsEmailSender(IOptions<EmailOptions> options, TimeProvider time, ILogger<AcsEmailSender> logger, TokenCredential? credential = null)
        : this(options.Value, time, logger, credential, transport: null)
    {
    }

    /// <summary>For tests: a transport of their own (e.g. one that trusts a test certificate).</summary>
    internal AcsEmailSender(EmailOptions options, TimeProvider time, ILogger<AcsEmailSender> logger, TokenCredential? credential, HttpPipelineTransport? transport)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        endpoint = options.AcsEndpoint ?? throw new InvalidOperationException("Setting 'Email__AcsEndpoint' is required when 'Email__Provider' is Acs.");

        var clientOptions = new AcsClientOptions
        {
            RetryPolicy = new AcsRetryPolicy(options.AcsMaxRetries, options.AcsMaxRetryDelay, time),
        };
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        clientOptions.Diagnostics.ApplicationId = "tier2";
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        HttpPipelinePolicy authentication = string.IsNullOrEmpty(options.AcsAccessKey)
            ? new BearerTokenAuthenticationPolicy(credential ?? new DefaultAzureCredential(), Scope)
            : new AcsHmacAuthenticationPolicy(Convert.FromBase64String(options.AcsAccessKey), time);
        pipeline = HttpPipelineBuilder.Build(clientOptions, [], [authentication], new ResponseClassifier());
    }

    public async Task<EmailSendResult> SendAsync(EmailMessage message, string idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        var operationId = EmailIdempotency.OperationId(idempotencyKey).ToString("D");
        var started = time.GetTimestamp();

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new AcsSendRequest(
                options.SenderAddress,
                new AcsRecipients([new AcsAddress(message.To, DisplayName(message.ToName))]),
                new AcsContent(message.Subject, message.PlainText, message.Html),
                message.ReplyTo is null ? null : [new AcsAddress(message.ReplyTo, null)],
                UserEngagementTrackingDisabled: true,
                EmailCorrelation.Current() is { } correlation ? new Dictionary<string, string> { [EmailCorrelation.HeaderName] = correlation } : null),
            AcsJsonContext.Default.AcsSendRequest);

        using var send = pipeline.CreateMessage();
        send.Request.Method = RequestMethod.Post;
        send.Request.Uri.Reset(endpoint);
        send.Request.Uri.AppendPath("/emails:send", escape: false);
        send.Request.Uri.AppendQuery("api-version", ApiVersion);
        send.Request.Headers.SetValue("Operation-Id", operationId);
        send.Request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        send.Request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        send.Request.Content = RequestContent.Create(body);
        await pipeline.SendAsync(send, ct);

        var response = send.Response;
        if (response.Status is not (200 or 201 or 202))
        {
            throw Failure(response, operationId, "sending");
        }

        var status = ReadStatus(response);
        LogAccepted(operationId, response.Status, status?.Status);
        var location = PollLocation(response, operationId);
        var delay = AcsRetryPolicy.ServerDelay(response, time) ?? options.AcsPollInterval;

        while (true)
        {
            switch (status?.Status)
            {
                case "Succeeded":
                    LogSucceeded(operationId);
                    return new EmailSendResult(operationId, EmailSendStatus.Succeeded);
                case "Failed":
                case "Canceled":
                    var code = status.Error?.Code ?? status.Status;
                    LogFailed(operationId, status.Status, code);
                    throw new EmailSendException(
                        $"Azure Communication Services reported the email as {status.Status}: {code}: {status.Error?.Message ?? "no details given"} (operation {operationId}).",
                        code,
                        statusCode: null,
                        isTransient: false,
                        operationId);
            }

            var remaining = options.AcsMaxPollDuration - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                LogStillRunning(operationId, status?.Status, options.AcsMaxPollDuration);
                return new EmailSendResult(operationId, EmailSendStatus.Accepted);
            }

            await Task.Delay(delay < remaining ? delay : remaining, time, ct);

            using var poll = pipeline.CreateMessage();
            poll.Request.Method = RequestMethod.Get;
            poll.Request.Uri.Reset(location);
            poll.Request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
            await pipeline.SendAsync(poll, ct);
            if (poll.Response.Status != 200)
            {
                throw Failure(poll.Response, operationId, "polling the status of");
            }

            status = ReadStatus(poll.Response);
            delay = AcsRetryPolicy.ServerDelay(poll.Response, time) ?? options.AcsPollInterval;
        }
    }

    /// <summary>
    /// Where to poll: the <c>Operation-Location</c> the service gave when it points at the configured resource
    /// (credentials are never sent elsewhere), otherwise the documented operation URL.
    /// </summary>
    private Uri PollLocation(Response response, string operationId)
    {
        if (response.Headers.TryGetValue("Operation-Location", out var header)
            && Uri.TryCreate(header, UriKind.Absolute, out var location)
            && string.Equals(location.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(location.Authority, endpoint.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return location;
        }

        var builder = new RequestUriBuilder();
        builder.Reset(endpoint);
        builder.AppendPath("/emails/operations/", escape: false);
        builder.AppendPath(operationId, escape: true);
        builder.AppendQuery("api-version", ApiVersion);
        return builder.ToUri();
    }

    /// <summary>
    /// The recipient's display name as ACS gets it. ACS writes the MIME message itself, and how it encodes an ASCII
    /// name that looks like an RFC 2047 encoded-word (<c>=?utf-8?B?...?=</c>) is not documented: written as is, the
    /// reader's mail client would decode it and show whatever it encodes (another address, "Bcc: ..."). Such a name is
    /// left out, so the recipient sees the bare address and nothing forged; every other name is sent as typed.
    /// </summary>
    private static string? DisplayName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Contains("=?", StringComparison.Ordinal) ? null : name;

    private static AcsOperationStatus? ReadStatus(Response response)
    {
        try
        {
            return response.Content.ToMemory().Length == 0 ? null : JsonSerializer.Deserialize(response.Content.ToMemory().Span, AcsJsonContext.Default.AcsOperationStatus);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private EmailSendException Failure(Response response, string operationId, string what)
    {
        AcsErrorDetail? error = null;
        try
        {
            error = response.Content.ToMemory().Length == 0 ? null : JsonSerializer.Deserialize(response.Content.ToMemory().Span, AcsJsonContext.Default.AcsErrorResponse)?.Error;
        }
        catch (JsonException)
        {
            // Not the documented error shape (a proxy's page, say): the status code is all there is.
        }

        var code = error?.Code ?? (response.Headers.TryGetValue("x-ms-error-code", out var headerCode) ? headerCode : null) ?? $"Http{response.Status}";
        var transient = AcsRetryPolicy.IsRetriable(response.Status) || response.Status == 408;
        var detail = error?.Message ?? response.ReasonPhrase;
        var hint = response.Status == 401 ? " Check 'Email__AcsAccessKey' (or the app identity's role on the resource) and 'Email__AcsEndpoint'." : string.Empty;
        var retry = response.Status == 429 && AcsRetryPolicy.ServerDelay(response, time) is { } wait ? $" The service asked to wait {wait}." : string.Empty;
        LogHttpFailure(operationId, response.Status, code);
        return new EmailSendException(
            $"Azure Communication Services refused {what} the email with HTTP {response.Status}: {code}: {detail} (operation {operationId}).{retry}{hint}",
            code,
            response.Status,
            transient,
            operationId);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "ACS email {OperationId} accepted (HTTP {Status}, status {OperationStatus})")]
    private partial void LogAccepted(string operationId, int status, string? operationStatus);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "ACS email {OperationId} succeeded")]
    private partial void LogSucceeded(string operationId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "ACS email {OperationId} ended {OperationStatus}: {ErrorCode}")]
    private partial void LogFailed(string operationId, string operationStatus, string errorCode);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "ACS email {OperationId} still {OperationStatus} after {MaxPollDuration}; returning Accepted")]
    private partial void LogStillRunning(string operationId, string? operationStatus, TimeSpan maxPollDuration);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "ACS email {OperationId}: HTTP {Status} {ErrorCode}")]
    private partial void LogHttpFailure(string operationId, int status, string errorCode);

    private sealed class AcsClientOptions : ClientOptions;
}
