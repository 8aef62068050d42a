using System.Text.Json.Serialization;

namespace Tier2.Functions.Email;

/// <summary>The body of <c>POST /emails:send</c> (api-version 2023-03-31).</summary>
internal sealed record AcsSendRequest(
    string SenderAddress,
    AcsRecipients Recipients,
    AcsContent Content,
    IReadOnlyList<AcsAddress>? ReplyTo,
    bool UserEngagementTrackingDisabled,
    IReadOnlyDictionary<string, string>? Headers = null);

internal sealed record AcsRecipients(IReadOnlyList<AcsAddress> To);

internal sealed record AcsAddress(string Address, string? DisplayName);

internal sealed record AcsContent(string Subject, string PlainText, string Html);

/// <summary>The body of a 202 to a send and of a 200 to a status poll.</summary>
internal sealed record AcsOperationStatus(string? Id, string? Status, AcsErrorDetail? Error);

/// <summary>The body of an error answer (Azure data-plane ErrorResponse).</summary>
internal sealed record AcsErrorResponse(AcsErrorDetail? Error);

internal sealed record AcsErrorDetail(string? Code, string? Message, string? Target);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AcsSendRequest))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(AcsOperationStatus))]
[JsonSerializable(typeof(AcsErrorResponse))]
internal sealed partial class AcsJsonContext : JsonSerializerContext;
