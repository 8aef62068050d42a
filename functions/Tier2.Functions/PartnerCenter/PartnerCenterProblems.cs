using Microsoft.AspNetCore.Mvc;

namespace Tier2.Functions.PartnerCenter;

/// <summary>
/// The problem details a failed Partner Center call becomes: a stable <c>urn:tier2:problem:partner-center-*</c> type
/// per <see cref="PartnerCenterErrorKind"/>, Partner Center's code and description, and the correlation id to quote to
/// Microsoft support. Never a 500: what Partner Center refused is the caller's to fix (4xx), what it could not do now is
/// a 503 to retry later.
/// </summary>
public static class PartnerCenterProblems
{
    private const string Base = "urn:tier2:problem:partner-center-";

    public const string Refused = Base + "refused";
    public const string Throttled = Base + "throttled";
    public const string Unavailable = Base + "unavailable";
    public const string NotConfigured = Base + "not-configured";
    public const string NotConnected = Base + "not-connected";
    public const string AuthenticationFailed = Base + "authentication-failed";
    public const string DomainTaken = Base + "domain-taken";
    public const string InvalidAddress = Base + "invalid-address";
    public const string PartnerOfRecordRefused = Base + "partner-of-record-refused";
    public const string PartnerAgreementNotAccepted = Base + "partner-agreement-not-accepted";
    public const string QuantityDecreaseNotAllowed = Base + "quantity-decrease-not-allowed";
    public const string StaleCatalogItem = Base + "stale-catalog-item";

    /// <summary>Partner Center refused a subscription's designated support contact (for new-commerce subscriptions it may take none).</summary>
    public const string SupportContactRefused = Base + "support-contact-refused";

    /// <summary>The connect flow's callback could not finish (unknown, used or expired state; the sign-in was cancelled).</summary>
    public const string ConnectFailed = Base + "connect-failed";

    public static (int Status, string Type, string Title) Describe(PartnerCenterErrorKind kind) => kind switch
    {
        PartnerCenterErrorKind.Throttled => (503, Throttled, "Partner Center is throttling the app's calls."),
        PartnerCenterErrorKind.Unavailable => (503, Unavailable, "Partner Center is unavailable."),
        PartnerCenterErrorKind.NotConfigured => (503, NotConfigured, "Partner Center is not configured."),
        PartnerCenterErrorKind.NotConnected => (503, NotConnected, "No Partner Center account is connected."),
        PartnerCenterErrorKind.AuthenticationFailed => (503, AuthenticationFailed, "The app could not sign in to Partner Center."),
        PartnerCenterErrorKind.DomainTaken => (409, DomainTaken, "The domain is already taken."),
        PartnerCenterErrorKind.InvalidAddress => (422, InvalidAddress, "The address is not valid."),
        PartnerCenterErrorKind.PartnerOfRecordRefused => (422, PartnerOfRecordRefused, "Partner Center refused the partner of record."),
        PartnerCenterErrorKind.PartnerAgreementNotAccepted => (409, PartnerAgreementNotAccepted, "The reseller has not accepted the Microsoft Partner Agreement."),
        PartnerCenterErrorKind.QuantityDecreaseNotAllowed => (409, QuantityDecreaseNotAllowed, "The quantity can no longer be decreased."),
        PartnerCenterErrorKind.StaleCatalogItem => (409, StaleCatalogItem, "The catalog item is no longer offered as chosen."),
        _ => (422, Refused, "Partner Center refused the request."),
    };

    /// <summary>Fills <paramref name="problem"/> from <paramref name="exception"/>; a throttle or outage also gets a Retry-After.</summary>
    public static void Apply(PartnerCenterException exception, ProblemDetails problem, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(response);
        var (status, type, title) = Describe(exception.Kind);
        problem.Status = status;
        problem.Type = type;
        problem.Title = title;
        problem.Detail = exception.Message;
        if (exception.Code is not null)
        {
            problem.Extensions["partnerCenterCode"] = exception.Code;
        }

        if (exception.Description is not null)
        {
            problem.Extensions["partnerCenterDescription"] = exception.Description;
        }

        if (exception.CorrelationId is not null)
        {
            // The id Microsoft support asks for (MS-CorrelationId), beside Tier2's own traceId.
            problem.Extensions["partnerCenterCorrelationId"] = exception.CorrelationId;
        }

        if (exception.RequestId is not null)
        {
            problem.Extensions["partnerCenterRequestId"] = exception.RequestId;
        }

        response.StatusCode = status;
        if (status == 503)
        {
            var wait = exception.RetryAfter ?? TimeSpan.FromSeconds(30);
            response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
