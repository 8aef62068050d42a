using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Reconciliation;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ReconciliationRun))]
[JsonSerializable(typeof(Page<ReconciliationRun>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ReconciliationJsonContext : JsonSerializerContext;
