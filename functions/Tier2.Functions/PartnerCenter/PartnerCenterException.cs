using System.Net;
using System.Text.Json;

namespace Tier2.Functions.PartnerCenter;

/// <summary>What went wrong with a Partner Center call, as Tier2 names it (each kind has its own problem type).</summary>
public enum PartnerCenterErrorKind
{
    /// <summary>Partner Center refused the request for a reason without a meaning of its own here.</summary>
    Refused,

    /// <summary>Still throttled (429) after the retries.</summary>
    Throttled,

    /// <summary>Partner Center failed (5xx), or did not answer in time, after the retries.</summary>
    Unavailable,

    /// <summary><c>PartnerCenter__Mode</c> is Disabled.</summary>
    NotConfigured,

    /// <summary>No refresh token is stored, or Entra ID refused it (expired after 90 days unused, or revoked): connect again.</summary>
    NotConnected,

    /// <summary>The token service refused the app's own credentials (client id or secret).</summary>
    AuthenticationFailed,

    /// <summary>The customer's domain (<c>*.onmicrosoft.com</c>) is already taken.</summary>
    DomainTaken,

    /// <summary>The address did not validate.</summary>
    InvalidAddress,

    /// <summary>2072: the PartnerID given as partner of record is not a reseller's (the provider's own, for example).</summary>
    PartnerOfRecordRefused,

    /// <summary>900123: the indirect reseller has not accepted the Microsoft Partner Agreement.</summary>
    PartnerAgreementNotAccepted,

    /// <summary>800090: an NCE quantity decrease outside the 7 days after purchase or renewal.</summary>
    QuantityDecreaseNotAllowed,

    /// <summary>400019: the catalog item (availability) is stale; read the availability again and retry.</summary>
    StaleCatalogItem,
}

/// <summary>
/// A failed Partner Center call: the status, Partner Center's <c>code</c> and <c>description</c>, and the
/// <c>MS-CorrelationId</c> / <c>MS-RequestId</c> to quote to Microsoft support. The message never carries a token,
/// a secret or a request or response body beyond Partner Center's own error description.
/// </summary>
public sealed class PartnerCenterException : Exception
{
    public PartnerCenterException(PartnerCenterErrorKind kind, string message, HttpStatusCode? status = null, string? code = null, string? description = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Status = status;
        Code = code;
        Description = description;
    }

    public PartnerCenterException()
        : this(PartnerCenterErrorKind.Refused, "Partner Center refused the request.")
    {
    }

    public PartnerCenterException(string message)
        : this(PartnerCenterErrorKind.Refused, message)
    {
    }

    public PartnerCenterException(string message, Exception inner)
        : this(PartnerCenterErrorKind.Refused, message, inner: inner)
    {
    }

    public PartnerCenterErrorKind Kind { get; }

    /// <summary>Partner Center's HTTP status (null when no answer came).</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>Partner Center's error <c>code</c> (numeric in practice, documented as a string).</summary>
    public string? Code { get; }

    /// <summary>Partner Center's error <c>description</c> (at most 1024 characters), or the 429's <c>message</c>.</summary>
    public string? Description { get; }

    /// <summary>The error's <c>data</c> array, when Partner Center sent one.</summary>
    public IReadOnlyList<JsonElement> ErrorData { get; init; } = [];

    /// <summary>The error's <c>source</c>.</summary>
    public string? ErrorSource { get; init; }

    /// <summary>The MS-CorrelationId the call carried (quote it to Microsoft support).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The MS-RequestId of the call (kept across its retries).</summary>
    public string? RequestId { get; init; }

    /// <summary>How long Partner Center asked to wait (a 429's Retry-After), when it did.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The kind a Partner Center error code has, given its status.</summary>
    public static PartnerCenterErrorKind KindOf(HttpStatusCode status, string? code) => code switch
    {
        "2072" => PartnerCenterErrorKind.PartnerOfRecordRefused,
        "900123" => PartnerCenterErrorKind.PartnerAgreementNotAccepted,
        "800090" => PartnerCenterErrorKind.QuantityDecreaseNotAllowed,
        "400019" => PartnerCenterErrorKind.StaleCatalogItem,
        _ when status == HttpStatusCode.TooManyRequests => PartnerCenterErrorKind.Throttled,
        _ when (int)status >= 500 || status == HttpStatusCode.RequestTimeout => PartnerCenterErrorKind.Unavailable,
        _ => PartnerCenterErrorKind.Refused,
    };
}
