using System.Text.Json;
using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Orchestrations;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OrchestrationView))]
[JsonSerializable(typeof(Page<OrchestrationView>))]
[JsonSerializable(typeof(TerminateRequest))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class OrchestrationsJsonContext : JsonSerializerContext;
