using System.Text.Json.Serialization;
using Tier2.Functions.Storage;

namespace Tier2.Functions.Resellers;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Reseller))]
[JsonSerializable(typeof(Page<Reseller>))]
internal sealed partial class ResellersJsonContext : JsonSerializerContext;
