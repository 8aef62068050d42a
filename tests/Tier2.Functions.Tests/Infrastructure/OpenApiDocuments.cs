using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Tier2.Functions.Tests.Infrastructure;

/// <summary>
/// The served /api/openapi.json read through the Microsoft.OpenApi object model (the library Microsoft.AspNetCore.OpenApi
/// writes the document with, so no extra package), so tests name operations, schemas and keywords through types, not
/// JSON paths. The lookups fail naming what is missing.
/// </summary>
public static class OpenApiDocuments
{
    /// <summary>The app's served OpenAPI document; fails when it does not read cleanly.</summary>
    public static async Task<OpenApiDocument> GetOpenApiDocumentAsync(this HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await LoadAsync(await client.GetByteArrayAsync(new Uri("/api/openapi.json", UriKind.Relative)));
    }

    /// <summary>An OpenAPI document in JSON; fails when it does not read cleanly.</summary>
    public static async Task<OpenApiDocument> LoadAsync(byte[] json)
    {
        using var stream = new MemoryStream(json);
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(stream, OpenApiConstants.Json);
        var errors = diagnostic?.Errors ?? [];
        Assert.True(document is not null && errors.Count == 0, $"the OpenAPI document does not read: {string.Join("; ", errors.Select(e => $"{e.Pointer}: {e.Message}"))}");
        return document!;
    }

    /// <summary>Every operation of the document by its operationId.</summary>
    public static IReadOnlyDictionary<string, OpenApiOperation> Operations(this OpenApiDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Paths.Values.SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            .ToDictionary(operation => operation.OperationId ?? throw new InvalidOperationException("an operation has no operationId"), StringComparer.Ordinal);
    }

    /// <summary>The component schema <paramref name="name"/> (components.schemas).</summary>
    public static IOpenApiSchema Schema(this OpenApiDocument document, string name)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Components?.Schemas is { } schemas && schemas.TryGetValue(name, out var schema)
            ? schema
            : throw new KeyNotFoundException($"The document has no schema {name}.");
    }

    /// <summary>The schema's property <paramref name="name"/>.</summary>
    public static IOpenApiSchema Property(this IOpenApiSchema schema, string name)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Properties is { } properties && properties.TryGetValue(name, out var property)
            ? property
            : throw new KeyNotFoundException($"The schema has no property {name} ({string.Join(", ", schema.Properties?.Keys ?? [])}).");
    }

    /// <summary>The operation's parameter <paramref name="name"/> (path, query or header).</summary>
    public static IOpenApiParameter Parameter(this OpenApiOperation operation, string name)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Parameters?.SingleOrDefault(p => p.Name == name)
            ?? throw new KeyNotFoundException($"{operation.OperationId} has no parameter {name}.");
    }

    /// <summary>Whether <paramref name="schema"/> is a reference to the component schema <paramref name="name"/>.</summary>
    public static bool RefersTo(this IOpenApiSchema? schema, string name) =>
        schema is OpenApiSchemaReference reference && reference.Reference.Id == name;

    /// <summary>The string values of an enum (a filter's values).</summary>
    public static IEnumerable<string> EnumValues(this IOpenApiSchema? schema) =>
        (schema?.Enum ?? []).Select(value => value?.GetValue<string>() ?? "null");
}
