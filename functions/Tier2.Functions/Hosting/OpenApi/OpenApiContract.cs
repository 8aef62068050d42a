using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Tier2.Functions.Auth;
using Tier2.Functions.Hosting.Http;
using Document = Microsoft.OpenApi.OpenApiDocument;

namespace Tier2.Functions.Hosting.OpenApi;

/// <summary>
/// What the OpenAPI document says beyond what ASP.NET Core infers from a handler, read from each function's metadata
/// (never written by hand): the bearer scheme and, per operation, the roles its authorization policy admits; the
/// problem-details responses the HTTP function runner and the handler can answer; and a description.
/// </summary>
/// <remarks>
/// The runner answers, around every handler: 401/403 from the function's policy, 413/415 for a body it cannot read,
/// 400 for input that does not bind, 429 from <see cref="RateLimitedAttribute"/>. The handler's own answers come from
/// its parameters (an <c>If-Match</c> header: 412; an <c>Idempotency-Key</c>: 422 when reused for another request;
/// a route value: 404) and from <c>[ProducesProblem]</c> on the function (409, 410, 428, ...); a 428 makes its
/// <c>If-Match</c> required. <c>[ProducesETag]</c> declares the <c>ETag</c> its answers carry, <c>[TakesValues]</c> on a
/// handler's parameter the names a filter takes, and <c>[Required]</c> on a request record's member that the handler
/// needs it. The paths are checked by tests/Tier2.Functions.Tests/Hosting/OpenApiTests.cs: Redocly's lint, and a
/// TypeScript client generated from the document that must accept every request body of the README and scripts/demo.sh.
/// </remarks>
public static class OpenApiContract
{
    public const string BearerScheme = "bearer";
    public const string ProblemSchema = "ProblemDetails";
    public const string ProblemContentType = "application/problem+json";

    private static readonly Dictionary<int, string> ProblemDescriptions = new()
    {
        [400] = "Bad request: a parameter or the body is malformed or invalid (problem details; `errors` names each field).",
        [401] = "Unauthorized: no valid bearer token (`Authorization: Bearer ...`).",
        [403] = "Forbidden: the token's role may not do this, or its reseller is not Active and the request changes something.",
        [404] = "Not found: nothing of this id, or nothing the caller may see.",
        [409] = "Conflict: the resource's current state does not allow this.",
        [410] = "Gone: this was available once and is no longer.",
        [412] = "Precondition failed: `If-Match` names an ETag the resource no longer has; read it again and retry.",
        [413] = "The request body is larger than the app accepts.",
        [415] = "Unsupported media type: send the body as `application/json` in UTF-8.",
        [422] = "Unprocessable: the `Idempotency-Key` was used with a different request (`errors` names the key), or the input cannot be processed.",
        [428] = "Precondition required: send `If-Match` with the ETag the resource was read with.",
        [429] = "Too many requests: wait the seconds `Retry-After` says.",
        [502] = "Bad gateway: Partner Center answered in a way the app does not understand (the problem says what came back).",
        [503] = "Unavailable: Partner Center is not configured, no account is connected, or it is throttling or down; retry later (after `Retry-After` when given).",
    };

    /// <summary>What each area (a function's <c>[Tags]</c>) is about.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Invites"] = "Partnership invites the provider sends to indirect resellers (the reseller accepts from a personalized link).",
        ["Resellers"] = "The provider's indirect resellers: list, suspend, reactivate.",
        ["Customers"] = "Customers of the indirect resellers and their reseller relationships (delegated administration).",
        ["Subscriptions"] = "A customer's subscriptions: licenses, partner of record, designated support contact, suspend/reactivate.",
        ["Orders"] = "Onboarding a new customer: draft, review, submit, confirmation (setup info once).",
        ["Offers"] = "The catalog of subscriptions a customer can buy.",
        ["Orchestrations"] = "The durable orchestrations behind invites and orders: status, events, control, purge.",
        ["Reconciliation"] = "Scheduled reconciliation jobs and their recorded runs.",
        ["Audit"] = "Who changed what, per order, customer, subscription, reseller or invite.",
        ["Health"] = "Whether the app and its storage answer.",
    };

    public static OpenApiOptions AddTier2Contract(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Info.Title = "Tier2 API";
            document.Info.Description = "Indirect provider backend: reseller partnerships, customers, orders and subscriptions. "
                + "Every error is RFC 9457 problem details (`application/problem+json`) with a stable `type` (`urn:tier2:problem:...`) and the request's `traceId`.";
            document.Servers = [new OpenApiServer { Url = "/", Description = "This app (paths carry the /" + HostJson.RoutePrefix + " prefix)." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = $"A JWT whose `{Roles.RoleClaim}` claim holds `{Roles.ProviderAdmin}` or `{Roles.ResellerAdmin}` (the latter with a `{Roles.ResellerIdClaim}` claim). "
                    + "Each operation's security requirement lists the roles it admits.",
            };
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var description))
                {
                    tag.Description ??= description;
                }
            }

            AddProblemSchema(document);
            DropUnusedValidationSchema(document);
            LetAnyJsonBeNull(document);
            if (document.Components.Schemas?.TryGetValue(nameof(System.Text.Json.JsonElement), out var any) == true && any is OpenApiSchema anyJson)
            {
                anyJson.Description ??= "Any JSON value, null included (an orchestration's input, output or event data; an audit entry's before and after).";
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context);
            DescribeParameters(operation, context);
            return Task.CompletedTask;
        });
        HashSet<Type>? requestTypes = null;
        options.AddSchemaTransformer((schema, context, _) =>
        {
            requestTypes ??= RequestTypes(context.ApplicationServices);
            DescribeRequestFields(schema, context, requestTypes);
            return Task.CompletedTask;
        });
        return options;
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var roles = RolesOf(metadata, context.ApplicationServices);
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(operation.Description))
        {
            text.Append(operation.Description.Trim()).Append("\n\n");
        }
        else if (!string.IsNullOrWhiteSpace(operation.Summary))
        {
            text.Append(operation.Summary.Trim()).Append(".\n\n");
        }

        if (roles is null)
        {
            operation.Security = [];
            text.Append("Anonymous: no token needed.");
        }
        else
        {
            // OpenAPI 3.1 lets a non-OAuth requirement list role names; the requirements are alternatives (any one admits).
            operation.Security = roles.Select(role => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [role] }).ToList();
            text.Append("Needs a bearer token with role ").Append(string.Join(" or ", roles.Select(r => "`" + r + "`"))).Append('.');
            if (roles.Contains(Roles.ResellerAdmin))
            {
                text.Append(" A reseller admin gets only what its reseller may see (404 otherwise) and 403 for what only the provider may do");
                text.Append(context.Description.HttpMethod is "GET" or "HEAD" ? "." : "; while its reseller is not Active, this change is 403.");
            }
        }

        var headers = (operation.Parameters ?? []).Where(p => p.In == ParameterLocation.Header).Select(p => p.Name ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var statuses = new SortedSet<int>();
        if (roles is not null)
        {
            statuses.UnionWith([401, 403]);
        }

        var hasBody = operation.RequestBody is not null;
        if (hasBody || operation.Parameters is { Count: > 0 })
        {
            statuses.Add(400);
        }

        if (hasBody)
        {
            statuses.UnionWith([413, 415]);
        }

        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true)
        {
            statuses.Add(404);
        }

        if (headers.Contains("If-Match"))
        {
            statuses.Add(412);
            text.Append(" Send `If-Match` with the ETag you read (412 when it is stale).");
        }

        if (headers.Contains(Http.IdempotencyKeys.Header))
        {
            statuses.Add(422);
            text.Append(" An `Idempotency-Key` repeats the first answer for the same request; reused for a different one it is 422.");
        }

        if (metadata.OfType<RateLimitedAttribute>().Any())
        {
            statuses.Add(429);
        }

        statuses.UnionWith(metadata.OfType<ProducesProblemAttribute>().Select(p => p.StatusCode));
        statuses.UnionWith(metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Select(p => p.StatusCode).Where(s => s is >= 400 and < 500));
        if (statuses.Contains(428))
        {
            // The handler answers 428 without it: a generated client must not let it be left out.
            foreach (var ifMatch in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Header && string.Equals(p.Name, "If-Match", StringComparison.OrdinalIgnoreCase)))
            {
                ifMatch.Required = true;
            }
        }

        operation.Description = text.ToString();
        DescribeBody(operation, context);
        operation.Responses ??= [];
        foreach (var (code, response) in operation.Responses.ToList())
        {
            if (int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 400 and < 500)
            {
                // The handler's typed results (ValidationProblem) declare their own problem shape: one shape for every error.
                statuses.Add(status);
                operation.Responses.Remove(code);
            }
        }

        foreach (var status in statuses)
        {
            operation.Responses[status.ToString(CultureInfo.InvariantCulture)] = ProblemResponse(status, context.Document!);
        }

        if (metadata.OfType<ProducesETagAttribute>().Any())
        {
            foreach (var code in new[] { "200", "201" })
            {
                if (operation.Responses.TryGetValue(code, out var withETag) && withETag is OpenApiResponse response)
                {
                    response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    response.Headers["ETag"] = new OpenApiHeader { Description = "The resource's version: send it back as If-Match to change it.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }
        }

        foreach (var code in new[] { "201", "202" })
        {
            // Created<T> and Accepted<T> always carry where the new resource, or the work's status, is.
            if (operation.Responses.TryGetValue(code, out var created) && created is OpenApiResponse response)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers["Location"] = new OpenApiHeader
                {
                    Description = code == "201" ? "The new resource." : "Where to poll the work's status.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                };
            }
        }
    }

    /// <summary>
    /// The request body as the handler reads it: its type (a nullable handler parameter is still a required body; a
    /// missing one is a 400, unless the function takes any JSON or none: <see cref="AcceptsAnyJsonAttribute"/>) and, for the seed's steps, an example built from <see cref="OpenApiExamples"/>.
    /// </summary>
    private static void DescribeBody(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        if (operation.RequestBody is not OpenApiRequestBody body || body.Content is null)
        {
            return;
        }

        // A body is required unless the function takes any JSON or none (an event's data).
        var optional = context.Description.ActionDescriptor.EndpointMetadata.OfType<AcceptsAnyJsonAttribute>().Any();
        body.Required = !optional;
        if (optional)
        {
            body.Description = "Any JSON value, or no body at all.";
        }

        var json = context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        foreach (var media in body.Content.Values)
        {
            if (media.Schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.Count(s => s.Type == JsonSchemaType.Null) == 1)
            {
                media.Schema = oneOf.Single(s => s.Type != JsonSchemaType.Null);
            }

            if (operation.OperationId is { } id && OpenApiExamples.Requests.TryGetValue(id, out var example))
            {
                // As the app writes it: every member, the optional ones left out as null (which their schemas allow).
                media.Example = System.Text.Json.JsonSerializer.SerializeToNode(example, example.GetType(), json);
            }
        }
    }

    /// <summary>What each parameter means, by name, for every operation that takes it (a path's <c>id</c> is described from the path).</summary>
    private static readonly Dictionary<string, string> ParameterDescriptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["If-Match"] = "The `ETag` the resource was read with: the change applies only to that version (412 when it has changed since).",
        ["Idempotency-Key"] = "1 to 200 characters of your choosing: a retry with the same key and the same request repeats the first answer instead of doing the work again; the same key with a different request is 422.",
        ["continuationToken"] = "The previous page's `continuationToken`, to read the next page. It belongs to the query that produced it: send it with the same filters (with others it is 400).",
        ["pageSize"] = $"Items per page: {Paging.DefaultPageSize} when left out, at most {Paging.MaxPageSize}.",
        ["search"] = "Only those whose name starts with this text (any case), at most 100 characters.",
        ["status"] = "Only those in this status (any case).",
        ["createdFrom"] = "Only those created at or after this time (ISO 8601 with an offset).",
        ["createdTo"] = "Only those created before this time (ISO 8601 with an offset).",
        ["country"] = "An ISO 3166 two-letter country code among the configured ones (Offers__Countries, any case); left out, the first of them. Another is 400 naming `country`.",
        ["entity"] = "The kind of record whose audit trail to read.",
        ["job"] = "A reconciliation job's name.",
        ["name"] = "The event's name (1 to 100 characters), as the orchestration waits for it.",
        ["refresh"] = "true: ask Partner Center again instead of answering what it answered last time.",
        ["resellerId"] = "A reseller's id.",
        ["subscriptionId"] = "The subscription's id.",
    };

    /// <summary>
    /// Every parameter described (<see cref="ParameterDescriptions"/>); the paging bounds; the names a filter takes
    /// (<see cref="TakesValuesAttribute"/> on the handler's parameter) as an <c>enum</c>.
    /// </summary>
    private static void DescribeParameters(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var path = "/" + (context.Description.RelativePath ?? "").Split('?')[0];
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var name = parameter.Name ?? "";
            if (parameter.In == ParameterLocation.Path && name == "id")
            {
                // "/orders/{id}/submit": the order's id.
                var segments = path.Split('/');
                var owner = segments[Array.IndexOf(segments, "{id}") - 1];
                parameter.Description = $"The {owner.TrimEnd('s')}'s id.";
            }
            else if (parameter.In == ParameterLocation.Query && name == "id")
            {
                parameter.Description = "The record's id (a subscription's is `{customerId}/{subscriptionId}`).";
            }
            else if (ParameterDescriptions.TryGetValue(name, out var description))
            {
                parameter.Description = description;
            }

            if (name == "pageSize" && parameter.Schema is OpenApiSchema size)
            {
                size.Minimum = "1";
                size.Maximum = Paging.MaxPageSize.ToString(CultureInfo.InvariantCulture);
                size.Default = System.Text.Json.Nodes.JsonValue.Create(Paging.DefaultPageSize);
            }

            var values = context.Description.ParameterDescriptions
                .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                .Select(p => (p.ParameterDescriptor as Microsoft.AspNetCore.Mvc.Infrastructure.IParameterInfoParameterDescriptor)?.ParameterInfo.GetCustomAttribute<TakesValuesAttribute>())
                .FirstOrDefault(a => a is not null);
            if (values is not null)
            {
                var names = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values.Values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v)).ToList() };
                parameter.Schema = values.CommaSeparated ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = names } : names;
                if (values.CommaSeparated)
                {
                    // status=Running,Pending: one value, the names separated by commas.
                    parameter.Style = ParameterStyle.Form;
                    parameter.Explode = false;
                    parameter.Description = "Only those in one of these statuses (any case), separated by commas.";
                }
            }
        }
    }

    /// <summary>The types a handler reads from a JSON body, and every type they hold.</summary>
    private static HashSet<Type> RequestTypes(IServiceProvider services)
    {
        var explorer = services.GetRequiredService<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionGroupCollectionProvider>();
        var pending = new Stack<Type>(explorer.ApiDescriptionGroups.Items.SelectMany(g => g.Items).SelectMany(d => d.ParameterDescriptions)
            .Where(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body && p.Type is not null).Select(p => p.Type!));
        var types = new HashSet<Type>();
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsGenericType && type.GetGenericArguments() is [var item])
            {
                pending.Push(item);
            }

            if (type.Assembly == typeof(OpenApiContract).Assembly && types.Add(type))
            {
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    pending.Push(property.PropertyType);
                }
            }
        }

        return types;
    }

    /// <summary>
    /// A request record says which fields its handler needs with <c>[Required]</c>; it may leave out the others. The
    /// app reads a missing field and a null one alike (a positional record's parameters default to null), so a required
    /// field is never null and an optional one may be: the schema says that rather than what the record's
    /// constructor implies (every parameter required, every reference nullable).
    /// </summary>
    private static void DescribeRequestFields(OpenApiSchema schema, OpenApiSchemaTransformerContext context, HashSet<Type> requestTypes)
    {
        if (context.JsonTypeInfo.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object || !requestTypes.Contains(context.JsonTypeInfo.Type) || schema.Properties is null)
        {
            return;
        }

        var required = context.JsonTypeInfo.Properties
            .Where(p => p.AttributeProvider?.IsDefined(typeof(System.ComponentModel.DataAnnotations.RequiredAttribute), inherit: true) == true)
            .Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        schema.Required = required;
        foreach (var name in required)
        {
            if (schema.Properties.TryGetValue(name, out var field) && field is OpenApiSchema value)
            {
                value.Type &= ~JsonSchemaType.Null;
            }
        }
    }

    /// <summary>
    /// A <c>JsonElement?</c> (audit's before/after, an orchestration's input and output) is any JSON value, null included:
    /// the generator's <c>oneOf [null, any]</c> would refuse a real null (it matches both).
    /// </summary>
    private static void LetAnyJsonBeNull(Document document)
    {
        foreach (var schema in (document.Components?.Schemas?.Values ?? []).OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in (schema.Properties ?? new Dictionary<string, IOpenApiSchema>()).ToList())
            {
                if (property.OneOf is { Count: 2 } oneOf && oneOf.Any(s => s.Type == JsonSchemaType.Null)
                    && oneOf.SingleOrDefault(s => s.Type != JsonSchemaType.Null) is OpenApiSchemaReference { Reference.Id: nameof(System.Text.Json.JsonElement) } any)
                {
                    schema.Properties![name] = any;
                }
            }
        }
    }

    /// <summary>The roles the function's policy admits; null when it is anonymous.</summary>
    private static List<string>? RolesOf(IList<object> metadata, IServiceProvider services)
    {
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return null;
        }

        // The same policy the runner applies: the function's [Authorize] policies combined, or the default policy.
        var provider = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        var policy = authorize.Count > 0
            ? AuthorizationPolicy.CombineAsync(provider, authorize).GetAwaiter().GetResult()
            : provider.GetDefaultPolicyAsync().GetAwaiter().GetResult();
        var roles = policy?.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToList();

        // A policy without a role requirement is the any-admin policy (an assertion over both admin roles).
        return roles is { Count: > 0 } ? roles : [Roles.ProviderAdmin, Roles.ResellerAdmin];
    }

    private static OpenApiResponse ProblemResponse(int status, Document document)
    {
        var response = new OpenApiResponse
        {
            Description = ProblemDescriptions.TryGetValue(status, out var description) ? description : "Problem details.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemContentType] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
            },
        };
        if (status == 429)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
            };
        }

        return response;
    }

    /// <summary>The one shape of every error body: RFC 9457 problem details as the app writes them.</summary>
    private static void AddProblemSchema(Document document)
    {
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details.",
            Required = new HashSet<string> { "type", "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable kind of problem to branch on: urn:tier2:problem:validation, ...:not-found, ...:conflict, ...:precondition-failed, ...:rate-limited, ...", Examples = [ProblemTypes.NotFound] },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Short summary of the kind of problem." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong with this request, for a person." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request (method and path) the problem is about." },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's W3C trace id (also X-Correlation-Id): quote it when reporting a problem." },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Validation problems by field (or header) name.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = text },
                },
            },
        };
    }

    /// <summary>ASP.NET Core's validation problem schema, replaced by <see cref="ProblemSchema"/> in every response.</summary>
    private static void DropUnusedValidationSchema(Document document) =>
        document.Components?.Schemas?.Remove("HttpValidationProblemDetails");
}
