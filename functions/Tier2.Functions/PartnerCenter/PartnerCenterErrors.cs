using System.Net;
using System.Text.Json;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// Partner Center's error bodies as a <see cref="PartnerCenterException"/>: <c>{code, description, data, source}</c>
/// (code documented as a string, numeric in practice) and the 429 shape <c>{statusCode, message}</c> with Retry-After.
/// </summary>
public static class PartnerCenterErrors
{
    public static async Task<PartnerCenterException> ReadAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return FromBody(request, response, body);
    }

    public static PartnerCenterException FromBody(HttpRequestMessage request, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        string? code = null, description = null, source = null;
        IReadOnlyList<JsonElement> data = [];
        try
        {
            if (!body.IsEmpty)
            {
                var reader = new Utf8JsonReader(body);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    code = Text(root, "code");
                    description = Text(root, "description") ?? Text(root, "message");
                    source = Text(root, "source");
                    if (TryGet(root, "data", out var array) && array.ValueKind == JsonValueKind.Array)
                    {
                        data = array.EnumerateArray().Select(e => e.Clone()).ToList();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a gateway's HTML page): the status says enough; the body is not repeated.
        }

        var status = response.StatusCode;
        var kind = PartnerCenterException.KindOf(status, code);
        var retryAfter = response.Headers.RetryAfter is { } header
            ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        var what = code is null ? $"{(int)status}" : $"{(int)status}, code {code}";
        var message = $"Partner Center refused {request.Method} {PartnerCenterClient.Describe(request.RequestUri)} ({what}){(description is null ? "." : ": " + Truncate(description))}";
        return new PartnerCenterException(kind, message, status, code, description)
        {
            ErrorData = data,
            ErrorSource = source,
            CorrelationId = PartnerCenterClient.Header(request.Headers, PartnerCenterClient.CorrelationIdHeader),
            RequestId = PartnerCenterClient.Header(request.Headers, PartnerCenterClient.RequestIdHeader),
            RetryAfter = retryAfter is { } wait && wait > TimeSpan.Zero ? wait : null,
        };
    }

    private static string Truncate(string text) => text.Length <= 1024 ? text : text[..1024];

    private static string? Text(JsonElement root, string name) =>
        TryGet(root, name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static bool TryGet(JsonElement root, string name, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether a status is an answer a caller acts on (not worth retrying): anything but 408, 429 and 5xx.</summary>
    public static bool IsAnswer(HttpStatusCode status) => status != HttpStatusCode.RequestTimeout && status != HttpStatusCode.TooManyRequests && (int)status < 500;
}
