using System.Text.Json.Serialization;

namespace Tier2.Functions.Hosting;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(InvocationResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class HostingJsonContext : JsonSerializerContext;
