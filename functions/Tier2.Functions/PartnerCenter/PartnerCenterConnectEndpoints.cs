using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting;
using Tier2.Functions.Hosting.Http;

namespace Tier2.Functions.PartnerCenter;

/// <summary>The first step's answer for a caller that asked for JSON (a portal cannot read a redirect's Location).</summary>
public sealed record PartnerCenterConnectStart(Uri AuthorizeUrl, DateTimeOffset ExpiresAt);

/// <summary>
/// Connecting the provider's Partner Center account (Secure Application Model): a provider admin starts at
/// <c>GET /api/partner-center/connect</c>, which sends the browser to Entra ID's authorize endpoint (authorization
/// code with PKCE S256, a random <c>state</c> bound server-side to the caller and the verifier: 10 minutes, single
/// use). The integration account signs in (MFA) and Entra ID sends the browser back to the anonymous callback, whose
/// authorization is that state: it redeems the code and stores the refresh token.
/// </summary>
public static class PartnerCenterConnectEndpoints
{
    public const string CallbackRoute = "partner-center/connect/callback";
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    [Function(nameof(ConnectPartnerCenter))]
    [HttpHandler(nameof(ConnectAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Partner Center")]
    [EndpointSummary("Connect the provider's Partner Center account: redirects to Entra ID's sign-in (or, for Accept: application/json, returns the URL)")]
    public static IResult ConnectPartnerCenter([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "partner-center/connect")] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(CompletePartnerCenterConnection))]
    [HttpHandler(nameof(CallbackAsync))]
    [AllowAnonymous]
    [ExcludeFromDescription]
    public static IResult CompletePartnerCenterConnection([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CallbackRoute)] HttpRequest request) =>
        HttpFunctions.Run(request);

    [Function(nameof(GetPartnerCenterConnection))]
    [HttpHandler(nameof(StatusAsync))]
    [Authorize(Policy = Roles.ProviderAdminPolicy)]
    [Tags("Partner Center")]
    [EndpointSummary("Whether a Partner Center account is connected, which, when its refresh token was last renewed and when it lapses if unused")]
    public static IResult GetPartnerCenterConnection([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "partner-center/connection")] HttpRequest request) =>
        HttpFunctions.Run(request);

    /// <summary>Where Entra ID sends the browser back: built from <c>Tier2__PublicBaseUrl</c>, never from the request.</summary>
    public static Uri CallbackUri(AppOptions app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + "/" + CallbackRoute);
    }

    private static async Task<Results<RedirectHttpResult, Ok<PartnerCenterConnectStart>>> ConnectAsync(
        HttpContext http, ClaimsPrincipal user, IOptions<PartnerCenterOptions> options, IOptions<AppOptions> app, PartnerCenterConnectionStore store, IDataProtectionProvider protection, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = RequireEnabled(options.Value);
        var state = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var expiresAt = time.GetUtcNow() + StateLifetime;
        await store.SaveConnectStateAsync(Hash(state), user.Actor(), Verifiers(protection).Protect(verifier), expiresAt, cancellationToken);
        var authorize = QueryHelpers.AddQueryString(settings.AuthorizeUri.AbsoluteUri, new Dictionary<string, string?>
        {
            ["client_id"] = settings.ClientId,
            ["response_type"] = "code",
            ["response_mode"] = "query",
            ["redirect_uri"] = CallbackUri(app.Value).AbsoluteUri,
            ["resource"] = PartnerCenterOptions.Resource,
            ["scope"] = "openid profile offline_access",
            ["state"] = state,
            ["code_challenge"] = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["prompt"] = "login",
        });
        http.Response.Headers.CacheControl = "no-store";
        return http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase)
            ? TypedResults.Ok(new PartnerCenterConnectStart(new Uri(authorize), expiresAt))
            : TypedResults.Redirect(authorize);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> CallbackAsync(
        string? code, string? state, string? error, HttpContext http, IOptions<PartnerCenterOptions> options, IOptions<AppOptions> app,
        PartnerCenterConnectionStore store, PartnerCenterTokens tokens, IDataProtectionProvider protection, TimeProvider time, CancellationToken cancellationToken)
    {
        RequireEnabled(options.Value);
        var pending = string.IsNullOrEmpty(state) ? null : await store.TakeConnectStateAsync(Hash(state), cancellationToken);
        if (pending is not { } taken || taken.ExpiresAt <= time.GetUtcNow())
        {
            return ConnectFailed("state", "This sign-in is unknown, used already or older than 10 minutes; start again at GET /api/partner-center/connect.");
        }

        if (!string.IsNullOrEmpty(error) || string.IsNullOrEmpty(code))
        {
            // Entra ID's error code only (access_denied, consent_required, ...); its description is not repeated.
            return ConnectFailed("code", $"The sign-in did not complete ({(string.IsNullOrEmpty(error) ? "no code" : error[..Math.Min(error.Length, 64)])}); start again.");
        }

        var token = await tokens.RedeemAuthorizationCodeAsync(code, Verifiers(protection).Unprotect(taken.ProtectedVerifier), CallbackUri(app.Value), cancellationToken);
        var (account, mfa) = IdTokenClaims.Read(token.IdToken);
        var connection = await store.SaveConnectedAsync(account ?? "(unknown account)", taken.CallerId, mfa, token.RefreshToken!, time.GetUtcNow(), cancellationToken);
        return Page(http, connection);
    }

    private static async Task<Ok<PartnerCenterConnectionStatus>> StatusAsync(IOptions<PartnerCenterOptions> options, PartnerCenterConnectionStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var connection = options.Value.IsEnabled ? await store.GetAsync(cancellationToken) : null;
        return TypedResults.Ok(PartnerCenterConnectionStatus.Of(options.Value.Mode, connection, time.GetUtcNow()));
    }

    private static PartnerCenterOptions RequireEnabled(PartnerCenterOptions settings) =>
        settings.IsEnabled
            ? settings
            : throw new PartnerCenterException(PartnerCenterErrorKind.NotConfigured, "Partner Center is not configured: set PartnerCenter__Mode=Enabled and the PartnerCenter__* settings.");

    private static IDataProtector Verifiers(IDataProtectionProvider protection) => protection.CreateProtector("Tier2.PartnerCenter.ConnectVerifier.v1");

    /// <summary>Only the state's hash is stored: the state travels in a URL, its row must not be enough to replay it.</summary>
    private static string Hash(string state) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    private static ProblemHttpResult ConnectFailed(string field, string message) =>
        TypedResults.Problem(message, statusCode: 400, title: "Connecting Partner Center failed.", type: PartnerCenterProblems.ConnectFailed,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    private static ContentHttpResult Page(HttpContext http, PartnerCenterConnection connection)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        var e = HtmlEncoder.Default;
        var mfa = connection.Mfa ? string.Empty : "<p><strong>The sign-in did not report MFA.</strong> From 2026-04-01 Partner Center refuses App+User calls without it: enforce MFA for this account and connect again.</p>";
        return TypedResults.Text(
            $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>Partner Center connected</title></head>"
            + $"<body><h1>Partner Center connected</h1><p>Tier2 now calls Partner Center as <strong>{e.Encode(connection.Account)}</strong>. "
            + $"The connection lapses at {connection.LapsesAt:yyyy-MM-dd HH:mm} UTC if Tier2 makes no Partner Center call before then.</p>{mfa}<p>You can close this window.</p></body></html>",
            "text/html; charset=utf-8",
            Encoding.UTF8,
            StatusCodes.Status200OK);
    }
}

/// <summary>What <c>GET /api/partner-center/connection</c> says.</summary>
public sealed record PartnerCenterConnectionStatus(
    PartnerCenterMode Mode,
    bool Connected,
    string? Account,
    string? ConnectedBy,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? LastRenewedAt,
    DateTimeOffset? LapsesAt,
    bool? Mfa,
    string? Warning)
{
    /// <summary>How long before the refresh token lapses the status (and the timer's log) warns.</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(14);

    public static PartnerCenterConnectionStatus Of(PartnerCenterMode mode, PartnerCenterConnection? connection, DateTimeOffset now) =>
        connection is null
            ? new(mode, false, null, null, null, null, null, null, mode == PartnerCenterMode.Enabled ? "No Partner Center account is connected: a provider admin connects one at GET /api/partner-center/connect." : null)
            : new(mode, true, connection.Account, connection.ConnectedBy, connection.ConnectedAt, connection.RenewedAt, connection.LapsesAt, connection.Mfa, WarningFor(connection, now) ?? connection.LapseWarning);

    /// <summary>The warning due at <paramref name="now"/>: lapsed, or lapsing within <see cref="WarnBefore"/>; null otherwise.</summary>
    public static string? WarningFor(PartnerCenterConnection connection, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.LapsesAt <= now)
        {
            return $"The Partner Center refresh token lapsed at {connection.LapsesAt:O} (90 days unused): a provider admin connects the account again.";
        }

        return connection.LapsesAt - now <= WarnBefore
            ? $"The Partner Center refresh token lapses at {connection.LapsesAt:O} unless Tier2 calls Partner Center before then (any App+User call renews it), or a provider admin connects again."
            : null;
    }
}

/// <summary>
/// The connected account from the id_token the token endpoint returned with the code (received directly from the
/// configured token endpoint over TLS, so it is read, not re-validated: OpenID Connect Core 3.1.3.7 allows that).
/// </summary>
public static class IdTokenClaims
{
    public static (string? Account, bool Mfa) Read(string? idToken)
    {
        var parts = idToken?.Split('.');
        if (parts is not { Length: >= 2 })
        {
            return (null, false);
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64UrlTextEncoder.Decode(parts[1]));
            var root = payload.RootElement;
            string? Claim(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var account = Claim("upn") ?? Claim("unique_name") ?? Claim("preferred_username") ?? Claim("email");
            // A sample of Microsoft's checks that an amr value ends in "mfa"; Partner Center enforces MFA for App+User from 2026-04-01.
            var mfa = root.TryGetProperty("amr", out var amr) && amr.ValueKind == JsonValueKind.Array
                && amr.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && v.GetString()!.EndsWith("mfa", StringComparison.OrdinalIgnoreCase));
            return (account, mfa);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return (null, false);
        }
    }
}
