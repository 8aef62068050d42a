using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.PartnerCenter;

/// <summary>Which token a call carries.</summary>
public enum PartnerCenterAuth
{
    /// <summary>App+User (Secure Application Model): from the stored refresh token; the connected account's roles apply.</summary>
    AppUser,

    /// <summary>App-only (client credentials) for the calls that accept it; needs no connected account.</summary>
    AppOnly,
}

/// <summary>
/// Partner Center access tokens, from Entra ID's v1 token endpoint (<c>PartnerCenter__TokenEndpoint</c>) only:
/// App+User from the stored refresh token (each redemption's new refresh token is stored, ETag-guarded), App-only
/// from client credentials; both for the resource https://api.partnercenter.microsoft.com, both cached until shortly
/// before expiry, each fetched by one caller at a time in this process.
/// </summary>
public sealed partial class PartnerCenterTokens(
    IHttpClientFactory httpClients,
    IOptions<PartnerCenterOptions> options,
    PartnerCenterConnectionStore store,
    TimeProvider time,
    ILogger<PartnerCenterTokens> logger) : IDisposable
{
    public const string HttpClientName = "PartnerCenter.Token";

    private readonly SemaphoreSlim[] _gates = [new(1, 1), new(1, 1)];
    private readonly CachedToken?[] _cache = new CachedToken?[2];

    public async ValueTask<string> GetAccessTokenAsync(PartnerCenterAuth auth, CancellationToken cancellationToken)
    {
        EnsureEnabled();
        var slot = (int)auth;
        if (Fresh(_cache[slot]) is { } cached)
        {
            return cached;
        }

        var gate = _gates[slot];
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_cache[slot]) is { } again)
            {
                return again;
            }

            var token = auth == PartnerCenterAuth.AppUser ? await RedeemRefreshTokenAsync(cancellationToken) : await RequestAppOnlyAsync(cancellationToken);
            var lifetime = TimeSpan.FromSeconds(Math.Max(token.ExpiresIn, 1));
            // Renew 5 minutes early, or halfway for a short-lived token, so no call leaves with a token about to expire.
            var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, lifetime.Ticks / 2));
            _cache[slot] = new CachedToken(token.AccessToken!, time.GetUtcNow() + lifetime - margin);
            return token.AccessToken!;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets a cached token Partner Center refused (401), so the next attempt gets a new one.</summary>
    public void Invalidate(PartnerCenterAuth auth, string accessToken)
    {
        var slot = (int)auth;
        if (_cache[slot] is { } cached && cached.AccessToken == accessToken)
        {
            _cache[slot] = null;
        }
    }

    /// <summary>The connect flow's last step: the authorization code (with its PKCE verifier) for the first refresh token.</summary>
    public async Task<EntraTokenResponse> RedeemAuthorizationCodeAsync(string code, string codeVerifier, Uri redirectUri, CancellationToken cancellationToken)
    {
        EnsureEnabled();
        var token = await PostAsync(
            [
                new("grant_type", "authorization_code"),
                new("code", code),
                new("redirect_uri", redirectUri.AbsoluteUri),
                new("code_verifier", codeVerifier),
            ],
            cancellationToken);
        if (string.IsNullOrEmpty(token.RefreshToken))
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.AuthenticationFailed, "The token endpoint answered the authorization code without a refresh token.");
        }

        _cache[(int)PartnerCenterAuth.AppUser] = null;
        return token;
    }

    private async Task<EntraTokenResponse> RedeemRefreshTokenAsync(CancellationToken cancellationToken)
    {
        var connection = await store.GetAsync(cancellationToken)
            ?? throw new PartnerCenterException(PartnerCenterErrorKind.NotConnected, "No Partner Center account is connected: a provider admin connects one at GET /api/partner-center/connect.");
        var refreshToken = await store.ReadRefreshTokenAsync(connection, cancellationToken);
        var token = await PostAsync([new("grant_type", "refresh_token"), new("refresh_token", refreshToken), new("scope", "openid")], cancellationToken);
        if (!string.IsNullOrEmpty(token.RefreshToken))
        {
            // Every redemption returns a refresh token with 90 fresh days: keep it, or the connection lapses 90 days after connecting.
            var now = time.GetUtcNow();
            if (await store.TryRenewAsync(connection, token.RefreshToken, now, cancellationToken))
            {
                LogRenewed(now + PartnerCenterConnection.Lifetime);
            }
            else
            {
                // Another instance renewed first; its token is stored, and the one this instance holds still works.
                LogLostRenewal();
            }
        }

        return token;
    }

    private Task<EntraTokenResponse> RequestAppOnlyAsync(CancellationToken cancellationToken) =>
        PostAsync([new("grant_type", "client_credentials")], cancellationToken);

    private async Task<EntraTokenResponse> PostAsync(List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        form.Add(new("resource", PartnerCenterOptions.Resource));
        form.Add(new("client_id", settings.ClientId!));
        form.Add(new("client_secret", settings.ClientSecret!));
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.TokenUri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.Unavailable, $"The token endpoint {settings.TokenUri.GetLeftPart(UriPartial.Path)} did not answer ({ex.GetType().Name}).");
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.IsSuccessStatusCode && TryRead(body, PartnerCenterTokenJsonContext.Default.EntraTokenResponse) is { AccessToken.Length: > 0 } token)
            {
                return token;
            }

            throw Failure(response.StatusCode, TryRead(body, PartnerCenterTokenJsonContext.Default.EntraTokenError));
        }
    }

    /// <summary>
    /// The token endpoint's refusal, by its OAuth error: invalid_grant means the refresh token (or code) is spent,
    /// expired (AADSTS700082: 90 days unused) or revoked: connect again. Only the error and the AADSTS number are kept;
    /// Entra ID's description names the tenant and app, and is not the caller's to read.
    /// </summary>
    private static PartnerCenterException Failure(HttpStatusCode status, EntraTokenError? error)
    {
        var aadsts = error?.ErrorCodes is { Count: > 0 } codes ? "AADSTS" + codes[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var what = string.Join(", ", new[] { error?.Error, aadsts }.Where(s => !string.IsNullOrEmpty(s)));
        var kind = error?.Error switch
        {
            "invalid_grant" or "interaction_required" => PartnerCenterErrorKind.NotConnected,
            "invalid_client" or "unauthorized_client" or "invalid_request" or "invalid_resource" => PartnerCenterErrorKind.AuthenticationFailed,
            _ when (int)status >= 500 || status == HttpStatusCode.TooManyRequests => PartnerCenterErrorKind.Unavailable,
            _ => PartnerCenterErrorKind.AuthenticationFailed,
        };
        var message = kind == PartnerCenterErrorKind.NotConnected
            ? $"Entra ID refused the stored Partner Center refresh token ({what}): it lapsed (90 days unused) or was revoked; a provider admin connects the account again."
            : $"The token endpoint answered {(int)status} ({(what.Length > 0 ? what : "no error code")}).";
        return new PartnerCenterException(kind, message, status, aadsts ?? error?.Error);
    }

    private static T? TryRead<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string? Fresh(CachedToken? token) => token is not null && token.RenewAt > time.GetUtcNow() ? token.AccessToken : null;

    private void EnsureEnabled()
    {
        if (!options.Value.IsEnabled)
        {
            throw new PartnerCenterException(PartnerCenterErrorKind.NotConfigured, "Partner Center is not configured: set PartnerCenter__Mode=Enabled and the PartnerCenter__* settings.");
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Partner Center refresh token renewed; it lapses at {LapsesAt:O} if unused")]
    private partial void LogRenewed(DateTimeOffset lapsesAt);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Partner Center refresh token: another instance renewed it first; keeping its token")]
    private partial void LogLostRenewal();

    private sealed record CachedToken(string AccessToken, DateTimeOffset RenewAt);
}

/// <summary>Entra ID's v1 token response (expires_in arrives as a string there).</summary>
public sealed record EntraTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("id_token")] string? IdToken,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("resource")] string? Resource,
    [property: JsonPropertyName("scope")] string? Scope)
{
    /// <summary>Tokens stay out of logs, whatever prints this.</summary>
    public override string ToString() => $"EntraTokenResponse {{ ExpiresIn = {ExpiresIn}, Resource = {Resource}, Scope = {Scope} }}";
}

public sealed record EntraTokenError(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_codes")] IReadOnlyList<long>? ErrorCodes);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(EntraTokenResponse))]
[JsonSerializable(typeof(EntraTokenError))]
internal sealed partial class PartnerCenterTokenJsonContext : JsonSerializerContext;
