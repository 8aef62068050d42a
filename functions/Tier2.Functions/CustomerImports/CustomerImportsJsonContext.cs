using System.Text.Json.Serialization;

namespace Tier2.Functions.CustomerImports;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CustomerImport))]
[JsonSerializable(typeof(StoredRelationshipRequest))]
[JsonSerializable(typeof(CustomerImportTarget))]
[JsonSerializable(typeof(CustomerImportResult))]
[JsonSerializable(typeof(CustomerImportEnd))]
internal sealed partial class CustomerImportsJsonContext : JsonSerializerContext;
