using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tier2.Functions.Email;

/// <summary>
/// Signs each request (each retry too) with a Communication Services access key: headers <c>x-ms-date</c>,
/// <c>x-ms-content-sha256</c> and <c>Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=...</c>,
/// the signature being HMAC-SHA256 (keyed with the base64-decoded access key) of
/// <c>"{METHOD}\n{path and query}\n{x-ms-date};{host};{x-ms-content-sha256}"</c>.
/// </summary>
internal sealed class AcsHmacAuthenticationPolicy(byte[] key, TimeProvider time) : HttpPipelineSynchronousPolicy
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var uri = request.Uri.ToUri();
        var date = time.GetUtcNow().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        var contentHash = ContentHash(request.Content, message.CancellationToken);
        var signature = Sign(key, request.Method.Method, uri.PathAndQuery, date, uri.Authority, contentHash);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.SetValue("x-ms-content-sha256", contentHash);
        request.Headers.SetValue(HttpHeader.Names.Authorization, $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}");
    }

    /// <summary>Base64 of the SHA-256 of the body (of no bytes when there is no body).</summary>
    internal static string ContentHash(RequestContent? content, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        content?.WriteTo(buffer, ct);
        return Convert.ToBase64String(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    internal static string Sign(byte[] key, string method, string pathAndQuery, string date, string host, string contentHash)
    {
        var stringToSign = $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }
}
