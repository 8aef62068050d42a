using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// The one Partner Center REST client (a typed <see cref="HttpClient"/> from IHttpClientFactory). Its resources are
/// the typed APIs callers use (<see cref="Customers"/>, <see cref="Carts"/>, ...); this class sends their requests:
/// Partner Center's headers, the JSON, errors as <see cref="PartnerCenterException"/>, and paging. Retries, the token
/// and the rate limit are its handlers' (<see cref="PartnerCenterRegistration"/>).
/// </summary>
public sealed class PartnerCenterClient
{
    public const string RequestIdHeader = "MS-RequestId";
    public const string CorrelationIdHeader = "MS-CorrelationId";
    public const string ContractVersionHeader = "MS-Contract-Version";
    public const string LocaleHeader = "X-Locale";
    public const string ContinuationTokenHeader = "MS-ContinuationToken";

    /// <summary>The request option that says which token a request carries (the auth handler reads it).</summary>
    public static readonly HttpRequestOptionsKey<PartnerCenterAuth> AuthOption = new("Tier2.PartnerCenter.Auth");

    private readonly HttpClient _http;
    private readonly PartnerCenterOptions _options;
    private readonly Uri _root;

    /// <param name="referenceData">The app's one cache of reference data (a singleton); without it (a client made by hand) every read asks Partner Center.</param>
    public PartnerCenterClient(HttpClient http, IOptions<PartnerCenterOptions> options, PartnerCenterReferenceCache? referenceData = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        var baseUrl = _options.IsEnabled ? _options.BaseUri.AbsoluteUri : PartnerCenterOptions.Resource;
        _root = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
        Relationships = new PartnerCenterRelationships(this);
        Compliance = new PartnerCenterCompliance(this);
        Domains = new PartnerCenterDomains(this);
        Validations = new PartnerCenterValidations(this, referenceData);
        Customers = new PartnerCenterCustomers(this);
        Agreements = new PartnerCenterAgreements(this, referenceData);
        Carts = new PartnerCenterCarts(this);
        Orders = new PartnerCenterOrders(this);
        Subscriptions = new PartnerCenterSubscriptions(this);
        Products = new PartnerCenterProducts(this);
        AuditRecords = new PartnerCenterAuditRecords(this);
        Webhooks = new PartnerCenterWebhooks(this);
    }

    public PartnerCenterRelationships Relationships { get; }

    public PartnerCenterCompliance Compliance { get; }

    public PartnerCenterDomains Domains { get; }

    public PartnerCenterValidations Validations { get; }

    public PartnerCenterCustomers Customers { get; }

    public PartnerCenterAgreements Agreements { get; }

    public PartnerCenterCarts Carts { get; }

    public PartnerCenterOrders Orders { get; }

    public PartnerCenterSubscriptions Subscriptions { get; }

    public PartnerCenterProducts Products { get; }

    public PartnerCenterAuditRecords AuditRecords { get; }

    public PartnerCenterWebhooks Webhooks { get; }

    /// <summary>
    /// The MS-CorrelationId of the current work: Tier2's correlation id (the W3C trace id the request, orchestration or
    /// email carries) written as the GUID Partner Center expects, so one order is followed across both systems.
    /// </summary>
    public static string CurrentCorrelationId() =>
        Activity.Current is { } activity && activity.TraceId != default ? Guid.ParseExact(activity.TraceId.ToHexString(), "N").ToString() : Guid.NewGuid().ToString();

    /// <summary>
    /// A link Partner Center returned (<c>links.next.uri</c>), made absolute on <c>PartnerCenter__BaseUrl</c>: links are
    /// relative and may lack <c>/v1</c> (the SDK adds it); an absolute link keeps only its path and query, so no call
    /// ever leaves the configured base URL.
    /// </summary>
    public Uri ResolveLink(string link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var relative = Uri.TryCreate(link, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" ? absolute.PathAndQuery : link;
        var basePath = _root.AbsolutePath.TrimEnd('/');
        relative = relative.TrimStart('/');
        if (basePath.Length > 0 && relative.StartsWith(basePath.TrimStart('/') + "/", StringComparison.OrdinalIgnoreCase))
        {
            relative = relative[basePath.TrimStart('/').Length..].TrimStart('/');
        }

        if (!relative.StartsWith("v1/", StringComparison.OrdinalIgnoreCase) && !relative.StartsWith("webhooks/", StringComparison.OrdinalIgnoreCase))
        {
            relative = "v1/" + relative;
        }

        return new Uri(_root, relative);
    }

    internal Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, PartnerCenterAuth auth, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken) =>
        SendAsync(method, path, auth, body, requestType, responseType, requestId: null, cancellationToken);

    /// <summary>A call whose <c>MS-RequestId</c> the caller chose (null: a new one): the same id on a later repeat of the same change lets Partner Center answer it as the first.</summary>
    internal async Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, PartnerCenterAuth auth, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, string? requestId, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(method, new Uri(_root, path), auth, requestId);
        request.Content = Json(body, requestType);
        using var response = await SendCoreAsync(request, cancellationToken);
        return await ReadAsync(response, responseType, cancellationToken);
    }

    internal async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, PartnerCenterAuth auth, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(method, new Uri(_root, path), auth);
        if (method == HttpMethod.Post)
        {
            // A POST without a body (cart checkout) still says what it is.
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        using var response = await SendCoreAsync(request, cancellationToken);
        return await ReadAsync(response, responseType, cancellationToken);
    }

    /// <summary>A call that may answer 202 Accepted without the resource (a slow subscription change): the status, the body if any, and Location.</summary>
    internal async Task<(HttpStatusCode Status, TResponse? Body, Uri? Location)> SendAcceptingAsync<TRequest, TResponse>(HttpMethod method, string path, PartnerCenterAuth auth, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        where TResponse : class
    {
        using var request = CreateRequest(method, new Uri(_root, path), auth);
        request.Content = Json(body, requestType);
        using var response = await SendCoreAsync(request, cancellationToken);
        var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? ResolveLink(l.PathAndQuery) : ResolveLink(l.OriginalString)) : null;
        if (response.StatusCode == HttpStatusCode.Accepted && response.Content.Headers.ContentLength is null or 0)
        {
            return (response.StatusCode, null, location);
        }

        return (response.StatusCode, await ReadAsync(response, responseType, cancellationToken), location);
    }

    /// <summary>A call whose answer is its status (HEAD): the statuses in <paramref name="answers"/> are answers, any other an error.</summary>
    internal async Task<HttpStatusCode> SendForStatusAsync(HttpMethod method, string path, PartnerCenterAuth auth, HttpStatusCode[] answers, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(method, new Uri(_root, path), auth);
        using var response = await SendCoreAsync(request, cancellationToken, answers);
        return response.StatusCode;
    }

    /// <summary>
    /// Every item of a collection, page after page: the next page is <c>links.next</c> (or the same URL with
    /// <c>seekOperation=next</c>) with the <c>MS-ContinuationToken</c> header, until the token is empty. A 400 with code
    /// 2000 on a later page also ends the list, as Microsoft's own sample treats it.
    /// </summary>
    internal async IAsyncEnumerable<T> ListAsync<T>(string path, PartnerCenterAuth auth, JsonTypeInfo<ResourceCollection<T>> pageType, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = new Uri(_root, path);
        var uri = first;
        string? continuation = null;
        while (true)
        {
            ResourceCollection<T> page;
            using (var request = CreateRequest(HttpMethod.Get, uri, auth))
            {
                if (continuation is not null)
                {
                    request.Headers.TryAddWithoutValidation(ContinuationTokenHeader, continuation);
                }

                try
                {
                    using var response = await SendCoreAsync(request, cancellationToken);
                    page = await ReadAsync(response, pageType, cancellationToken);
                }
                catch (PartnerCenterException ex) when (continuation is not null && ex.Status == HttpStatusCode.BadRequest && ex.Code == "2000")
                {
                    yield break;
                }
            }

            foreach (var item in page.Items ?? [])
            {
                yield return item;
            }

            var next = page.Links?.Next;
            continuation = next?.Headers?.FirstOrDefault(h => string.Equals(h.Key, ContinuationTokenHeader, StringComparison.OrdinalIgnoreCase))?.Value ?? page.ContinuationToken;
            if (string.IsNullOrEmpty(continuation))
            {
                yield break;
            }

            uri = next?.Uri is { Length: > 0 } link ? ResolveLink(link) : WithSeekNext(first);
        }
    }

    private static Uri WithSeekNext(Uri uri) =>
        new(uri.AbsoluteUri + (string.IsNullOrEmpty(uri.Query) ? "?" : "&") + "seekOperation=next");

    /// <summary>
    /// A request with Partner Center's headers. Its MS-RequestId is new for this call and stays the same on every retry
    /// of it (the resilience handler resends this message), so Partner Center can tell a retry from a new call.
    /// </summary>
    private HttpRequestMessage CreateRequest(HttpMethod method, Uri uri, PartnerCenterAuth auth, string? requestId = null)
    {
        if (!_options.IsEnabled)
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.NotConfigured, "Partner Center is not configured: set PartnerCenter__Mode=Enabled and the PartnerCenter__* settings.");
        }

        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation(RequestIdHeader, requestId ?? Guid.NewGuid().ToString());
        request.Headers.TryAddWithoutValidation(CorrelationIdHeader, CurrentCorrelationId());
        request.Headers.TryAddWithoutValidation(ContractVersionHeader, "v1");
        request.Headers.TryAddWithoutValidation(LocaleHeader, _options.Locale);
        request.Headers.Accept.ParseAdd("application/json");
        request.Options.Set(AuthOption, auth);
        return request;
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken, HttpStatusCode[]? answers = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.Unavailable, $"Partner Center did not answer {request.Method} {Describe(request.RequestUri)} ({ex.GetType().Name}).")
            {
                CorrelationId = Header(request.Headers, CorrelationIdHeader),
                RequestId = Header(request.Headers, RequestIdHeader),
            };
        }

        if (response.IsSuccessStatusCode || (answers is not null && answers.Contains(response.StatusCode)))
        {
            return response;
        }

        using (response)
        {
            throw await PartnerCenterErrors.ReadAsync(request, response, cancellationToken);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return JsonSerializer.Deserialize(body, type)
                ?? throw new PartnerCenterException(PartnerCenterErrorKind.Unavailable, $"Partner Center answered {(int)response.StatusCode} with an empty body.");
        }
        catch (JsonException ex)
        {
            // The message names the JSON path, never the body (it may hold a temporary password).
            throw new PartnerCenterException(PartnerCenterErrorKind.Unavailable, $"Partner Center answered {(int)response.StatusCode} with JSON Tier2 cannot read (at '{ex.Path}').")
            {
                CorrelationId = Header(response.RequestMessage?.Headers, CorrelationIdHeader),
                RequestId = Header(response.RequestMessage?.Headers, RequestIdHeader),
            };
        }
    }

    private static ByteArrayContent Json<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    internal static string? Header(System.Net.Http.Headers.HttpHeaders? headers, string name) =>
        headers is not null && headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>A request's path without its query (a filter may name a customer's domain; ids in paths are fine).</summary>
    internal static string Describe(Uri? uri) => uri?.AbsolutePath ?? "(no uri)";
}
