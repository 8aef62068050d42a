using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tier2.Durable;

/// <summary>User payloads through the app's <see cref="JsonSerializerOptions"/> (source-generated resolvers work, no reflection needed).</summary>
internal static class PayloadSerializer
{
    public static string? Serialize<T>(T value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            return null;
        }

        var info = Info(value.GetType(), options);
        return JsonSerializer.Serialize(value, info);
    }

    public static string? SerializeObject(object? value, JsonSerializerOptions options) =>
        value is null ? null : JsonSerializer.Serialize(value, Info(value.GetType(), options));

    public static T? Deserialize<T>(string json, JsonSerializerOptions options) =>
        (T?)JsonSerializer.Deserialize(json, Info(typeof(T), options));

    private static JsonTypeInfo Info(Type type, JsonSerializerOptions options)
    {
        if (!options.IsReadOnly)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return options.GetTypeInfo(type);
    }
}
