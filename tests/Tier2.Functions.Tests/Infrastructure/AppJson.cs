using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>
/// Reads responses into the app's own response records (<c>InviteView</c>, <c>Page&lt;T&gt;</c>, problem details...)
/// with the JSON options the app writes them with, so a renamed field is a compile error in the tests, not a string
/// hunt. The few tests that pin wire names on purpose read raw JSON instead.
/// </summary>
public static class AppJson
{
    /// <summary>The app's HTTP JSON options, as its own registration configures them (Web defaults and the features' source-generated contexts).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(TestApp.DefaultSettings(TestApp.NewPrefix()));
        Tier2App.ConfigureFunctionApp(builder);
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
    }

    /// <summary>The response's body as a <typeparamref name="T"/>; fails naming the body when it is not one.</summary>
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json" && !typeof(ProblemDetails).IsAssignableFrom(typeof(T)))
        {
            // A problem read as a view would deserialize to a record of defaults, not fail.
            throw new InvalidOperationException($"{(int)response.StatusCode}: a problem, not a {typeof(T).Name}: {body}");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, Options) ?? throw new InvalidOperationException($"{(int)response.StatusCode}: null body, not a {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: not a {typeof(T).Name}: {body}", e);
        }
    }

    /// <summary>A problem details response (RFC 9457), with its <c>errors</c> when it has them.</summary>
    public static Task<HttpValidationProblemDetails> ReadProblemAsync(this HttpResponseMessage response) => response.ReadAsync<HttpValidationProblemDetails>();

    /// <summary>GET <paramref name="uri"/> as a <typeparamref name="T"/>.</summary>
    public static async Task<T> GetAsync<T>(this HttpClient client, string uri)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri(uri, UriKind.RelativeOrAbsolute));
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<T>();
    }

    /// <summary>A JSON snapshot inside a response (an audit row's before or after) as the record it was written from.</summary>
    public static T As<T>(this JsonElement? snapshot) =>
        snapshot is { } element ? element.Deserialize<T>(Options)! : throw new InvalidOperationException($"No snapshot to read as a {typeof(T).Name}.");

    /// <summary>A problem's extension member <paramref name="name"/> (extension members are keyed by wire name by design).</summary>
    public static T? Extension<T>(this ProblemDetails problem, string name)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Extensions.TryGetValue(name, out var value) && value is JsonElement element
            ? element.Deserialize<T>(Options)
            : throw new KeyNotFoundException($"The problem has no extension member \"{name}\" ({string.Join(", ", problem.Extensions.Keys)}).");
    }
}
