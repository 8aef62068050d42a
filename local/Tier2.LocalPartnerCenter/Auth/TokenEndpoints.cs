using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>The Entra endpoints the Secure Application Model uses [K:enable-secure-app-model]: authorize (which signs the
/// integration user in without UI, with MFA) and the v1 token endpoint (form body, <c>resource=</c>); the v2 paths take
/// <c>scope=…/.default</c> instead.</summary>
internal static class TokenEndpoints
{
    public static void MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/{tenant}/oauth2/authorize", Authorize);
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", Authorize);
        app.MapPost("/{tenant}/oauth2/token", Token);
        app.MapPost("/{tenant}/oauth2/v2.0/token", Token);
    }

    private static IResult Authorize(string tenant, HttpRequest request, LocalPartnerCenterOptions options, TokenStore tokens)
    {
        IQueryCollection q = request.Query;
        string? redirectUri = q["redirect_uri"];
        if (!KnownTenant(tenant, options) || q["client_id"] != options.ClientId || !Uri.TryCreate(redirectUri, UriKind.Absolute, out _))
        {
            // Entra shows an error page instead of redirecting when the client or redirect is wrong.
            return TypedResults.BadRequest("AADSTS700016: Application not found, or redirect_uri missing.");
        }

        string? challenge = q["code_challenge"];
        string method = q["code_challenge_method"].ToString() is { Length: > 0 } m ? m : "plain";
        if (challenge is not null && method != "S256")
        {
            return RedirectWith(redirectUri!, q["response_mode"], [("error", "invalid_request"),
                ("error_description", "AADSTS5001XX: only code_challenge_method S256 is supported locally."), ("state", q["state"])]);
        }

        List<(string, string?)> fields = [("code", tokens.IssueCode(redirectUri!, challenge)), ("state", q["state"]), ("session_state", Guid.NewGuid().ToString())];
        if (q["response_type"].ToString().Contains("id_token", StringComparison.Ordinal))
        {
            fields.Add(("id_token", tokens.IssueIdToken()));
        }

        return RedirectWith(redirectUri!, q["response_mode"], fields);
    }

    private static IResult RedirectWith(string redirectUri, string? responseMode, IReadOnlyList<(string Name, string? Value)> fields)
    {
        IEnumerable<(string Name, string Value)> present = fields.Where(f => f.Value is not null).Select(f => (f.Name, f.Value!));
        if (responseMode == "form_post")
        {
            StringBuilder html = new("<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"");
            html.Append(WebUtility.HtmlEncode(redirectUri)).Append("\">");
            foreach ((string name, string value) in present)
            {
                html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{name}\" value=\"{WebUtility.HtmlEncode(value)}\"/>");
            }

            return TypedResults.Content(html.Append("<noscript><button>Continue</button></noscript></form></body></html>").ToString(), "text/html");
        }

        string query = string.Join('&', present.Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value)}"));
        return TypedResults.Redirect(redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
    }

    private static async Task<IResult> Token(string tenant, HttpRequest request, LocalPartnerCenterOptions options, TokenStore tokens)
    {
        if (!request.HasFormContentType)
        {
            return TokenFail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }

        IFormCollection form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (!KnownTenant(tenant, options))
        {
            return TokenFail(400, "invalid_request", 90002, $"Tenant '{tenant}' not found.");
        }

        if (form["client_id"] != options.ClientId)
        {
            return TokenFail(400, "unauthorized_client", 700016, $"Application with identifier '{form["client_id"]}' was not found in the directory.");
        }

        if (form["client_secret"] != options.ClientSecret)
        {
            return TokenFail(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.");
        }

        string? audience = Audience(form);
        if (audience is not (TokenStore.PartnerCenterAudience or TokenStore.RetiredGraphAudience))
        {
            return TokenFail(400, "invalid_resource", 500011, $"The resource principal named {audience ?? "(none)"} was not found in the tenant.");
        }

        return form["grant_type"].ToString() switch
        {
            "client_credentials" => Issue(tokens, options, audience, userPrincipalName: null),
            "refresh_token" => RedeemRefreshToken(form, tokens, options, audience),
            "authorization_code" => RedeemCode(form, tokens, options, audience),
            _ => TokenFail(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{form["grant_type"]}'."),
        };
    }

    private static IResult RedeemRefreshToken(IFormCollection form, TokenStore tokens, LocalPartnerCenterOptions options, string audience)
    {
        RefreshTokenRecord? record = tokens.FindRefreshToken(form["refresh_token"].ToString());
        if (record is null)
        {
            return TokenFail(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        }

        if (record.Revoked)
        {
            return TokenFail(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed.");
        }

        if (options.TimeProvider.GetUtcNow() >= record.ExpiresOn)
        {
            // [FACTS 1.2] the symptom users report when the stored token lapsed.
            return TokenFail(400, "invalid_grant", 700082, $"The refresh token has expired due to inactivity. The token was issued on {record.ExpiresOn - options.RefreshTokenLifetime:O} and was inactive for {options.RefreshTokenLifetime:c}.");
        }

        return Issue(tokens, options, audience, record.UserPrincipalName);
    }

    private static IResult RedeemCode(IFormCollection form, TokenStore tokens, LocalPartnerCenterOptions options, string audience)
    {
        AuthorizationCode? code = tokens.RedeemCode(form["code"].ToString());
        if (code is null || options.TimeProvider.GetUtcNow() >= code.ExpiresOn)
        {
            return TokenFail(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
        }

        if (form.ContainsKey("redirect_uri") && form["redirect_uri"] != code.RedirectUri)
        {
            return TokenFail(400, "invalid_grant", 50148, "The redirect URI specified in the request does not match the redirect URI of the authorization code.");
        }

        if (code.CodeChallenge is not null)
        {
            string verifier = form["code_verifier"].ToString();
            string expected = TokenStore.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            if (verifier.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(code.CodeChallenge)))
            {
                return TokenFail(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
        }

        return Issue(tokens, options, audience, options.IntegrationUserUpn);
    }

    private static JsonHttpResult<TokenResponse> Issue(TokenStore tokens, LocalPartnerCenterOptions options, string audience, string? userPrincipalName)
    {
        (string access, DateTimeOffset expiresOn) = tokens.IssueAccessToken(audience, userPrincipalName);
        bool appPlusUser = userPrincipalName is not null;
        long now = options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        string expiresIn = ((long)options.AccessTokenLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Json(new TokenResponse(
            "Bearer", appPlusUser ? "user_impersonation" : null, expiresIn, expiresIn,
            expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), now.ToString(CultureInfo.InvariantCulture), audience, access,
            // Rotation: every App+User redemption returns a new refresh token; the old one stays valid until it lapses [FACTS 1.2].
            appPlusUser ? tokens.IssueRefreshToken().RefreshToken : null,
            appPlusUser ? tokens.IssueIdToken() : null), PartnerCenterJson.Default.TokenResponse);
    }

    /// <summary>resource= (v1), or the resource a v2 scope (…/.default, …/user_impersonation) names.</summary>
    private static string? Audience(IFormCollection form)
    {
        if (form["resource"].ToString() is { Length: > 0 } resource)
        {
            return resource.TrimEnd('/');
        }

        string? scope = form["scope"].ToString().Split(' ').FirstOrDefault(s => s.Contains("://", StringComparison.Ordinal));
        return scope is null ? null : scope[..scope.LastIndexOf('/')];
    }

    private static bool KnownTenant(string tenant, LocalPartnerCenterOptions options) =>
        tenant is "common" or "organizations" || string.Equals(tenant, options.ProviderTenantId, StringComparison.OrdinalIgnoreCase);

    internal static JsonHttpResult<TokenError> TokenFail(int status, string error, int aadsts, string message) => TypedResults.Json(
        new TokenError(error, $"AADSTS{aadsts}: {message}", [aadsts], DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture),
            Guid.NewGuid().ToString(), Guid.NewGuid().ToString()),
        PartnerCenterJson.Default.TokenError, statusCode: status);
}
