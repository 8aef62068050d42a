using System.Reflection;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// One HTTP function as its attributes declare it: the <c>[Function]</c> name, the <c>[HttpTrigger]</c> route and
/// methods, the <see cref="HttpHandlerAttribute"/> handler and the policies on the function method (authorization,
/// rate limit, OpenAPI tags and summary).
/// </summary>
public sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, MethodInfo Function, MethodInfo Handler)
{
    /// <summary>The route under host.json's prefix, as the Functions host matches it.</summary>
    public RoutePattern Pattern { get; } = RoutePatternFactory.Parse(Route);

    /// <summary>Attributes on the function method, in declaration order: its endpoint metadata.</summary>
    public IReadOnlyList<object> Metadata { get; } = Function.GetCustomAttributes(inherit: true);

    public T? Find<T>()
        where T : class => Metadata.OfType<T>().FirstOrDefault();
}

/// <summary>Every HTTP function of the app, read once from its <c>[Function]</c> methods (the same attributes functions.metadata is generated from).</summary>
public sealed class HttpFunctionCatalog
{
    private readonly Dictionary<string, HttpFunction> _byName;

    public HttpFunctionCatalog(Assembly assembly)
    {
        var functions = new List<HttpFunction>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function
                    || method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null) is not { } trigger)
                {
                    continue;
                }

                functions.Add(Describe(type, method, function.Name, trigger));
            }
        }

        Functions = functions.OrderBy(f => f.Route, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        _byName = Functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<HttpFunction> Functions { get; }

    /// <summary>
    /// The methods the functions whose route matches <paramref name="path"/> answer, in ordinal order; empty when no
    /// function's route does. The path may carry host.json's <paramref name="routePrefix"/> or not (hosts differ);
    /// catch-all routes are not counted.
    /// </summary>
    public IReadOnlyList<string> MethodsFor(PathString path, string routePrefix)
    {
        var segments = (path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var prefix = routePrefix.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= prefix.Length && segments.Take(prefix.Length).SequenceEqual(prefix, StringComparer.OrdinalIgnoreCase))
        {
            segments = segments[prefix.Length..];
        }

        var relative = new PathString("/" + string.Join('/', segments));
        return Functions
            .Where(f => !f.Pattern.Parameters.Any(p => p.IsCatchAll)
                && new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(new Microsoft.AspNetCore.Routing.Template.RouteTemplate(f.Pattern), new RouteValueDictionary()).TryMatch(relative, new RouteValueDictionary()))
            .SelectMany(f => f.Methods)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public HttpFunction this[string name] => _byName.TryGetValue(name, out var function)
        ? function
        : throw new InvalidOperationException($"'{name}' is not an HTTP function of this app (the runner is called with the function method's name, which must be its [Function] name).");

    private static HttpFunction Describe(Type type, MethodInfo method, string name, HttpTriggerAttribute trigger)
    {
        if (!string.Equals(method.Name, name, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"HTTP function '{name}' is declared on method {type.Name}.{method.Name}: name the function after its method ([Function(nameof({method.Name}))]).");
        }

        var handlerAttribute = method.GetCustomAttribute<HttpHandlerAttribute>()
            ?? throw new InvalidOperationException($"HTTP function '{name}' has no [HttpHandler].");
        var handlerType = handlerAttribute.Type ?? type;
        var handler = handlerType.GetMethod(handlerAttribute.Method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException($"HTTP function '{name}': {handlerType.Name}.{handlerAttribute.Method} is not a static method.");
        var methods = trigger.Methods is { Length: > 0 } declared ? declared.Select(m => m.ToUpperInvariant()).ToArray() : [HttpMethods.Get, HttpMethods.Post];
        return new HttpFunction(name, trigger.Route ?? name, methods, method, handler);
    }
}
