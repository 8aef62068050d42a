using System.Text.Json.Serialization;

namespace Tier2.LocalPartnerCenter.Wire;

// Shapes shared by every resource: Partner Center answers camelCase, reads case-insensitively (its own examples send
// PascalCase, e.g. PartnerOnRecordAttestationAccepted [K:create-a-cart]), and leaves out what is null.

/// <summary><c>attributes</c> on every resource.</summary>
public sealed record ResourceAttributes(string ObjectType, string? Etag = null);

/// <summary>A header a link asks the caller to send (MS-ContinuationToken on <c>links.next</c>).</summary>
public sealed record LinkHeader(string Key, string Value);

/// <summary>A relative link. Its <c>uri</c> may lack the /v1 prefix [SDK:PartnerServiceProxy.cs L319-347].</summary>
public sealed record ResourceLink(string Uri, string Method, IReadOnlyList<LinkHeader> Headers);

/// <summary><c>links</c> on a collection.</summary>
public sealed record CollectionLinks(ResourceLink? Self, ResourceLink? Next);

/// <summary>A collection: <c>{totalCount, items, links?, continuationToken?, attributes{objectType:"Collection"}}</c>.</summary>
public sealed record ResourceCollection<T>(
    int TotalCount,
    IReadOnlyList<T> Items,
    ResourceAttributes Attributes,
    CollectionLinks? Links = null,
    string? ContinuationToken = null)
{
    /// <summary>A collection of all of <paramref name="items"/>, without paging.</summary>
    public static ResourceCollection<T> Of(IReadOnlyList<T> items) => new(items.Count, items, new("Collection"));
}

/// <summary>The normal error body <c>{code, description, data, source}</c> [K:error-codes].</summary>
public sealed record ApiError(int Code, string Description, IReadOnlyList<string> Data, string Source);

/// <summary>The 429 body, a different shape from other errors [K:api-throttling-guidance].</summary>
public sealed record ThrottledError(int StatusCode, string Message);

/// <summary>A key/value pair (cart participants, audit customizedData).</summary>
public sealed record KeyValue(string? Key, string? Value);

/// <summary>An Entra v1 token endpoint answer. expires_in is a string on the wire, as Entra's v1 endpoint sends it.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("scope")] string? Scope,
    [property: JsonPropertyName("expires_in")] string ExpiresIn,
    [property: JsonPropertyName("ext_expires_in")] string ExtExpiresIn,
    [property: JsonPropertyName("expires_on")] string ExpiresOn,
    [property: JsonPropertyName("not_before")] string NotBefore,
    [property: JsonPropertyName("resource")] string? Resource,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("id_token")] string? IdToken);

/// <summary>An Entra token endpoint error: <c>{error, error_description, error_codes, timestamp, trace_id, correlation_id}</c>.</summary>
public sealed record TokenError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription,
    [property: JsonPropertyName("error_codes")] IReadOnlyList<int> ErrorCodes,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("trace_id")] string TraceId,
    [property: JsonPropertyName("correlation_id")] string CorrelationId);
