using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>
/// Sends events to the registered webhook as Partner Center does [K:partner-center-webhooks]: a POST of
/// <c>{EventName, ResourceUri, ResourceName, AuditUri, ResourceChangeUtcDate}</c> [K:partner-center-webhook-events] with
/// <c>Authorization: Signature &lt;base64 RSA-SHA256 of the body&gt;</c>, <c>X-MS-Certificate-Url</c> (this server's
/// <see cref="WebhookSigning.CertificatePath"/>) and <c>X-MS-Signature-Algorithm: rsa-sha256</c>. Delivery runs in the
/// background, after the change that caused it, and is retried <see cref="LocalPartnerCenterOptions.WebhookAttempts"/>
/// times; Partner Center makes 10 attempts and then keeps the event in an offline queue (FACTS 10), which is not modelled.
/// It also delays <c>subscription-updated</c> by up to 48 hours; here it goes at once.
/// </summary>
internal sealed class WebhookDelivery(PartnerCenterState state, WebhookSigning signing, IServer server, ILogger<WebhookDelivery> logger) : IDisposable
{
    public const string Algorithm = "rsa-sha256";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Every event queued, oldest first, with what became of it.</summary>
    public IReadOnlyList<WebhookDeliveryResult> Deliveries => [.. _deliveries.Select(d => d.Result())];

    public WebhookDeliveryResult? Find(string correlationId) => _deliveries.FirstOrDefault(d => d.CorrelationId == correlationId)?.Result();

    /// <summary>
    /// Queues <paramref name="eventName"/> for the registered webhook; returns its correlation id, or null when nothing is
    /// registered or (with <paramref name="onlyIfRegistered"/>) the registration does not ask for that event.
    /// Call under <see cref="PartnerCenterState.Gate"/>, after the change.
    /// </summary>
    public string? Publish(string eventName, string resourceUri, string resourceName, string? auditUri = null, bool onlyIfRegistered = true)
    {
        if (state.Webhook is not { WebhookUrl: { } url } registration
            || (onlyIfRegistered && registration.WebhookEvents?.Contains(eventName, StringComparer.OrdinalIgnoreCase) != true))
        {
            return null;
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new WebhookEvent(eventName, resourceUri, resourceName, auditUri, PartnerCenterState.Stamp(state.Now)), PartnerCenterJson.Default.WebhookEvent);
        Delivery delivery = new(Guid.NewGuid().ToString(), eventName, url, body, state.Now);
        _deliveries.Enqueue(delivery);
        _ = Task.Run(() => DeliverAsync(delivery, _stopping.Token));
        return delivery.CorrelationId;
    }

    /// <summary>The documented resource URI form, <c>…/webhooks/v1/customers/{cid}/subscriptions/{sid}</c>, on this server.</summary>
    public string SubscriptionUri(string customerId, string subscriptionId) => $"{SelfBase()}/webhooks/v1/customers/{customerId}/subscriptions/{subscriptionId}";

    /// <summary>Where this server serves its signing certificate.</summary>
    public Uri CertificateUrl => new(SelfBase() + WebhookSigning.CertificatePath);

    /// <summary>This server's root URL as another process on the machine reaches it (a wildcard binding is 127.0.0.1).</summary>
    private string SelfBase()
    {
        string address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1";
        UriBuilder builder = new(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
        if (builder.Host is "localhost" or "0.0.0.0" or "[::]" or "::")
        {
            builder.Host = "127.0.0.1";
        }

        return builder.Uri.GetLeftPart(UriPartial.Authority);
    }

    private async Task DeliverAsync(Delivery delivery, CancellationToken stopping)
    {
        TimeSpan delay = state.Options.WebhookRetryDelay;
        for (int attempt = 1; attempt <= Math.Max(1, state.Options.WebhookAttempts) && !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                using HttpRequestMessage request = new(HttpMethod.Post, delivery.WebhookUrl) { Content = new ByteArrayContent(delivery.Body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.TryAddWithoutValidation("Authorization", "Signature " + signing.Sign(delivery.Body));
                request.Headers.Add("X-MS-Certificate-Url", CertificateUrl.AbsoluteUri);
                request.Headers.Add("X-MS-Signature-Algorithm", Algorithm);
                using HttpResponseMessage response = await _http.SendAsync(request, stopping);
                if (delivery.Attempted(attempt, (int)response.StatusCode, null))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
            {
                delivery.Attempted(attempt, null, e.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (attempt < state.Options.WebhookAttempts)
            {
                try
                {
                    await Task.Delay(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay *= 2;
            }
        }

        delivery.GiveUp();
        logger.LogWarning("Event {EventName} to {WebhookUrl} not delivered after {Attempts} attempts", delivery.EventName, delivery.WebhookUrl, state.Options.WebhookAttempts);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _http.Dispose();
    }

    /// <summary>One event on its way, and its attempts so far.</summary>
    private sealed class Delivery(string correlationId, string eventName, string webhookUrl, byte[] body, DateTimeOffset queuedAt)
    {
        private readonly Lock _gate = new();
        private int _attempts;
        private int? _lastStatus;
        private string? _lastError;
        private WebhookDeliveryStatus _status = WebhookDeliveryStatus.Pending;

        public string CorrelationId { get; } = correlationId;
        public string EventName { get; } = eventName;
        public string WebhookUrl { get; } = webhookUrl;
        public byte[] Body { get; } = body;

        /// <summary>Records an attempt; true when the receiver took the event (2xx).</summary>
        public bool Attempted(int attempt, int? status, string? error)
        {
            lock (_gate)
            {
                (_attempts, _lastStatus, _lastError) = (attempt, status, error);
                if (status is >= 200 and < 300)
                {
                    _status = WebhookDeliveryStatus.Delivered;
                }

                return _status == WebhookDeliveryStatus.Delivered;
            }
        }

        public void GiveUp()
        {
            lock (_gate)
            {
                _status = WebhookDeliveryStatus.Failed;
            }
        }

        public WebhookDeliveryResult Result()
        {
            lock (_gate)
            {
                return new WebhookDeliveryResult(CorrelationId, EventName, WebhookUrl, System.Text.Encoding.UTF8.GetString(Body), _status, _attempts, _lastStatus, _lastError, PartnerCenterState.Stamp(queuedAt));
            }
        }
    }
}
