using System.Globalization;
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
/// a route value: 404) and from <c>[ProducesProblem]</c> on the function (409, 410, 428, ...).
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
            DeclareETags(document);
            if (document.Components.Schemas?.TryGetValue(nameof(System.Text.Json.JsonElement), out var any) == true && any is OpenApiSchema anyJson)
            {
                anyJson.Description ??= "Any JSON value (an orchestration's input, output or event data).";
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context);
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
    /// The ETag a client sends back as <c>If-Match</c>: answered by the read of a resource a change takes <c>If-Match</c>
    /// for (the same path, or the path an action extends by one literal segment), and by a PATCH of it.
    /// </summary>
    private static void DeclareETags(Document document)
    {
        var guarded = new List<(string Path, HttpMethod Method, OpenApiOperation Operation)>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                if (operation.Parameters?.Any(p => p.In == ParameterLocation.Header && string.Equals(p.Name, "If-Match", StringComparison.OrdinalIgnoreCase)) == true)
                {
                    guarded.Add((path, method, operation));
                }
            }
        }

        var reads = guarded.Select(g => g.Path).Select(p => p[(p.LastIndexOf('/') + 1)..].StartsWith('{') ? p : p[..p.LastIndexOf('/')]).ToHashSet(StringComparer.Ordinal);
        var withETag = guarded.Where(g => g.Method == HttpMethod.Patch).Select(g => g.Operation).ToList();
        foreach (var path in reads)
        {
            if (document.Paths.TryGetValue(path, out var item) && item.Operations?.TryGetValue(HttpMethod.Get, out var get) == true)
            {
                withETag.Add(get);
            }
        }

        foreach (var operation in withETag)
        {
            foreach (var (code, response) in operation.Responses ?? [])
            {
                if (code == "200" && response is OpenApiResponse ok)
                {
                    ok.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    ok.Headers["ETag"] = new OpenApiHeader { Description = "The resource's version: send it back as If-Match to change it.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }
        }
    }

    /// <summary>
    /// The request body as the handler reads it: its type (a nullable handler parameter is still a required body; a
    /// missing one is a 400) and, for the seed's steps, an example built from <see cref="OpenApiExamples"/>.
    /// </summary>
    private static void DescribeBody(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        if (operation.RequestBody is not OpenApiRequestBody body || body.Content is null)
        {
            return;
        }

        body.Required = true;
        var json = context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        foreach (var media in body.Content.Values)
        {
            if (media.Schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.Count(s => s.Type == JsonSchemaType.Null) == 1)
            {
                media.Schema = oneOf.Single(s => s.Type != JsonSchemaType.Null);
            }

            if (operation.OperationId is { } id && OpenApiExamples.Requests.TryGetValue(id, out var example))
            {
                // As the app writes it (nulls included): the schema of a positional record requires every member.
                media.Example = System.Text.Json.JsonSerializer.SerializeToNode(example, example.GetType(), json);
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
