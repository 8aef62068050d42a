using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tier2.LocalPartnerCenter;

/// <summary>Reads a JSON body, answering 400/800002 instead of the framework's bare 400 when it is not one.</summary>
internal static class RequestBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            T? value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, PartnerCenterErrors.InvalidInput("body", "is required.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, PartnerCenterErrors.InvalidInput("body", $"is not valid JSON for {typeof(T).Name}: {e.Message}"));
        }
    }
}
