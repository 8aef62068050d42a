using Microsoft.AspNetCore.Http.HttpResults;
using Tier2.LocalPartnerCenter.Wire;

namespace Tier2.LocalPartnerCenter;

/// <summary>Errors as Partner Center answers them: <c>{code, description, data, source}</c> [K:error-codes]. Each code
/// used here is in that table unless a comment at the call says otherwise.</summary>
internal static class PartnerCenterErrors
{
    public static JsonHttpResult<ApiError> Fail(int status, int code, string description, params string[] data) =>
        TypedResults.Json(new ApiError(code, description, data, "PartnerFD"), PartnerCenterJson.Default.ApiError, statusCode: status);

    /// <summary>400/800002 "Invalid request input", naming the field.</summary>
    public static JsonHttpResult<ApiError> InvalidInput(string field, string problem) =>
        Fail(400, 800002, $"Invalid request input: {field} {problem}", field);

    public static JsonHttpResult<ApiError> NotFound(string what) => Fail(404, 1000, $"{what} not found.");

    public static JsonHttpResult<ApiError> CustomerNotFound(string customerId) => Fail(404, 60003, $"Tenant {customerId} not found.");
}
