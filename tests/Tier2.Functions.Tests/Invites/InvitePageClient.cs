using System.Text.RegularExpressions;

namespace Tier2.Functions.Tests.Invites;

/// <summary>A browser-like client for the invite page: keeps cookies, carries the anti-forgery field.</summary>
public sealed partial class InvitePageClient : IDisposable
{
    private readonly HttpClient _client;

    public InvitePageClient(Uri baseAddress)
    {
        _client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    /// <summary>The link's path on the test app (links carry the configured public base URL, not the test server's).</summary>
    public static string PathOf(string link) => new Uri(link).AbsolutePath;

    public async Task<(HttpResponseMessage Response, string Html)> OpenAsync(string link)
    {
        var response = await _client.GetAsync(new Uri(PathOf(link), UriKind.Relative));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public async Task<(HttpResponseMessage Response, string Html)> SubmitAsync(string link, string action, IDictionary<string, string>? fields = null, string? antiforgery = null)
    {
        if (antiforgery is null)
        {
            var (_, html) = await OpenAsync(link);
            antiforgery = AntiforgeryField().Match(html) is { Success: true } m ? m.Groups[1].Value : string.Empty;
        }

        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>()) { ["__af"] = antiforgery, ["action"] = action };
        var response = await _client.PostAsync(new Uri(PathOf(link), UriKind.Relative), new FormUrlEncodedContent(form));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static Dictionary<string, string> ValidAcceptance(string mpnId, string email = "contact@reseller.example") => new()
    {
        ["companyName"] = "Fabrikam Resellers",
        ["mpnId"] = mpnId,
        ["tenantId"] = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        ["contactName"] = "Ann Contact",
        ["contactEmail"] = email,
    };

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
