using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;
using Tier2.Functions.Orchestrations;

namespace Tier2.Functions.PartnerCenter.Events;

/// <summary>
/// Changes made outside Tier2, as Partner Center reports them: the anonymous event endpoint (its authorization is the
/// signature, <see cref="PartnerCenterEventSignature"/>), which stores the event and hands it to
/// <see cref="PartnerCenterEventOrchestration"/>; and the provider admin's registration of that endpoint with Partner Center.
/// </summary>
public static class PartnerCenterEventEndpoints
{
    public const string EventsRoute = "partner-center/events";

    [Function(nameof(ReceivePartnerCenterEvent))]
    [HttpHandler(nameof(ReceiveAsync))]
    [AllowAnonymous]
    [Tags("Partner Center")]
    [EndpointSummary("Partner Center's events (signed by Microsoft): stored, then applied by re-reading the resource; a repeat is acknowledged and changes nothing")]
    [ProducesProblem(StatusCodes.Status401Unauthorized)]
    [ProducesProblem(StatusCodes.Status413PayloadTooLarge)]
    [ProducesProblem(StatusCodes.Status415UnsupportedMediaType)]
    [ProducesProblem(StatusCodes.Status503ServiceUnavailable)]
    public static IResult ReceivePartnerCenterEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = EventsRoute)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        HttpFunctions.Run(request, durable);

    [Function(nameof(RegisterPartnerCenterWebhooks))]
    [HttpHandler(nameof(RegisterAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Partner Center")]
    [EndpointSummary("Register (or update) Tier2's event endpoint with Partner Center for the events Tier2 acts on")]
    public static IResult RegisterPartnerCenterWebhooks([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "partner-center/webhooks")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetPartnerCenterWebhooks))]
    [HttpHandler(nameof(GetAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Partner Center")]
    [EndpointSummary("Partner Center's webhook registration: which URL it posts to, for which events")]
    [ProducesProblem(StatusCodes.Status404NotFound)]
    public static IResult GetPartnerCenterWebhooks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "partner-center/webhooks")] HttpRequest request) =>
        HttpFunctions.Run(request);

    /// <summary>Where Partner Center posts events: built from <c>Tier2__PublicBaseUrl</c>.</summary>
    public static Uri EventsUri(AppOptions app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + "/" + EventsRoute);
    }

    private static async Task<Results<Accepted<PartnerCenterEventReceipt>, Ok<PartnerCenterEventReceipt>, ProblemHttpResult, ValidationProblem>> ReceiveAsync(
        HttpRequest request, IOptions<PartnerCenterOptions> partnerCenter, IOptions<PartnerCenterEventOptions> options, PartnerCenterEventSignature signature,
        PartnerCenterEventStore events, OrchestrationClient durable, TimeProvider time, CancellationToken cancellationToken)
    {
        RequireEnabled(partnerCenter.Value);
        if (await ReadBodyAsync(request, options.Value.MaxBodyBytes, cancellationToken) is not { } body)
        {
            return TypedResults.Problem($"An event body is at most {options.Value.MaxBodyBytes} bytes.", statusCode: 413, title: "The request body is too large.", type: ProblemTypes.ForStatus(413));
        }

        if (await signature.RefusalAsync(request.Headers, body, cancellationToken) is { } refusal)
        {
            return TypedResults.Problem(refusal, statusCode: 401, title: "Not a Partner Center event.", type: ProblemTypes.Unauthorized);
        }

        if (Parse(body) is not { EventName: { Length: > 0 } } e)
        {
            return Problem.Field("EventName", "The body must be a Partner Center event: JSON with EventName, ResourceUri, ResourceName and ResourceChangeUtcDate.");
        }

        var (received, added) = await events.AddAsync(ReceivedPartnerCenterEvent.Receive(PartnerCenterEvent.IdOf(body.Span), e, time.GetUtcNow()), cancellationToken);
        // Also for a repeat: a first delivery whose start was lost (a crash between the row and the start) starts now, once.
        await durable.StartIfMissingAsync(PartnerCenterEventOrchestration.Name, received.InstanceId, received.Id, cancellationToken);
        var receipt = new PartnerCenterEventReceipt(received.Id, e.EventName, Repeat: !added);
        return added ? TypedResults.Accepted((string?)null, receipt) : TypedResults.Ok(receipt);
    }

    private static async Task<Ok<PartnerCenterWebhookView>> RegisterAsync(IOptions<PartnerCenterOptions> partnerCenter, IOptions<AppOptions> app, PartnerCenterClient client, CancellationToken cancellationToken)
    {
        RequireEnabled(partnerCenter.Value);
        var wanted = new WebhookRegistration(null, EventsUri(app.Value).AbsoluteUri, PartnerCenterEvent.Registered);
        var registered = await ExistingAsync(client, cancellationToken) is null
            ? await client.Webhooks.RegisterAsync(wanted, cancellationToken)
            : await client.Webhooks.UpdateAsync(wanted, cancellationToken);
        return TypedResults.Ok(PartnerCenterWebhookView.From(registered));
    }

    private static async Task<Results<Ok<PartnerCenterWebhookView>, ProblemHttpResult>> GetAsync(IOptions<PartnerCenterOptions> partnerCenter, PartnerCenterClient client, CancellationToken cancellationToken)
    {
        RequireEnabled(partnerCenter.Value);
        return await ExistingAsync(client, cancellationToken) is { } registration
            ? TypedResults.Ok(PartnerCenterWebhookView.From(registration))
            : Problem.NotFound("Partner Center's webhook registration");
    }

    private static async Task<WebhookRegistration?> ExistingAsync(PartnerCenterClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Webhooks.GetAsync(cancellationToken);
        }
        catch (PartnerCenterException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The body's exact bytes (the signature is over them), or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = new byte[limit + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        return read > limit ? null : buffer.AsMemory(0, read);
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static PartnerCenterEvent? Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            // RFC 8259 lets a parser ignore a UTF-8 byte order mark, and the app's other bodies are read past one: a genuine
            // event that starts with one must not be refused (Partner Center would retry it, then drop it). The id and the
            // signature stay over the exact bytes.
            var json = body.Span.StartsWith(Utf8ByteOrderMark) ? body.Span[Utf8ByteOrderMark.Length..] : body.Span;
            return System.Text.Json.JsonSerializer.Deserialize(json, PartnerCenterEventsJsonContext.Default.PartnerCenterEvent);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static void RequireEnabled(PartnerCenterOptions settings)
    {
        if (!settings.IsEnabled)
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.NotConfigured, "Partner Center is not configured: set PartnerCenter__Mode=Enabled and the PartnerCenter__* settings.");
        }
    }
}
