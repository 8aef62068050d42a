using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Invites;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Invite))]
[JsonSerializable(typeof(InviteView))]
[JsonSerializable(typeof(Page<InviteView>))]
[JsonSerializable(typeof(CreateInviteRequest))]
[JsonSerializable(typeof(InviteWorkflowInput))]
[JsonSerializable(typeof(InviteSignal))]
[JsonSerializable(typeof(InviteOutcome))]
[JsonSerializable(typeof(InviteEmailRequest))]
[JsonSerializable(typeof(InviteStepResult))]
[JsonSerializable(typeof(InviteFailure))]
internal sealed partial class InvitesJsonContext : JsonSerializerContext;
