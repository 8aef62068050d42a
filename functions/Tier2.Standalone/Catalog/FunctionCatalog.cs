using System.ComponentModel;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Catalog;

/// <summary>
/// The app's functions from functions.metadata, each resolved to its method with every parameter bound.
/// Anything the host cannot run fails here, at start-up, naming the function: a binding type not in
/// <see cref="KnownBindingTypes"/>, a function without exactly one trigger, a parameter the host cannot bind.
/// </summary>
internal sealed class FunctionCatalog
{
    private static readonly HashSet<string> KnownBindingTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "httpTrigger", "http", "orchestrationTrigger", "activityTrigger", "durableClient", "timerTrigger",
    };

    private FunctionCatalog(IReadOnlyList<FunctionDescriptor> functions) => this.Functions = functions;

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IEnumerable<FunctionDescriptor> OfKind(FunctionKind kind) => this.Functions.Where(f => f.Kind == kind);

    /// <summary>Reads <paramref name="folder"/>/functions.metadata and resolves its entries in <paramref name="assembly"/>.</summary>
    public static FunctionCatalog Load(Assembly assembly, string folder)
    {
        string path = Path.Combine(folder, FunctionCatalogFiles.MetadataFileName);
        if (!File.Exists(path))
        {
            throw new StandaloneStartupException(
                $"{path} not found: point the host at the function app's build output (the Worker SDK writes functions.metadata at build).");
        }

        return new FunctionCatalog([.. FunctionCatalogFiles.Read(path).Select(m => Resolve(assembly, m))]);
    }

    private static FunctionDescriptor Resolve(Assembly assembly, FunctionMetadata metadata)
    {
        string name = metadata.Name;
        if (metadata.Bindings.FirstOrDefault(b => !KnownBindingTypes.Contains(b.Type)) is { } unknown)
        {
            throw Fail(name, $"binding type '{unknown.Type}' (parameter '{unknown.Name}') is not supported by the standalone host, " +
                "which runs httpTrigger, orchestrationTrigger, activityTrigger and timerTrigger functions with durableClient " +
                "parameters and http results (no entity triggers, no other triggers, no input or output bindings)");
        }

        List<BindingMetadata> triggers = [.. metadata.Bindings.Where(b => b.IsTrigger)];
        if (triggers is not [BindingMetadata trigger])
        {
            throw Fail(name, $"expected exactly one trigger binding, found {triggers.Count}");
        }

        FunctionKind kind = trigger.Type.ToUpperInvariant() switch
        {
            "HTTPTRIGGER" => FunctionKind.Http,
            "ORCHESTRATIONTRIGGER" => FunctionKind.Orchestrator,
            "ACTIVITYTRIGGER" => FunctionKind.Activity,
            _ => FunctionKind.Timer,
        };

        MethodInfo method = FindMethod(assembly, metadata, trigger);
        List<ParameterBinding> parameters = [.. method.GetParameters().Select(p => Bind(name, kind, trigger, p))];
        return new FunctionDescriptor(name, kind, method, trigger, parameters);
    }

    private static MethodInfo FindMethod(Assembly assembly, FunctionMetadata metadata, BindingMetadata trigger)
    {
        int dot = metadata.EntryPoint.LastIndexOf('.');
        if (dot <= 0)
        {
            throw Fail(metadata.Name, $"entry point '{metadata.EntryPoint}' is not Namespace.Type.Method");
        }

        string typeName = metadata.EntryPoint[..dot];
        string methodName = metadata.EntryPoint[(dot + 1)..];
        Type type = assembly.GetType(typeName)
            ?? assembly.GetType(ReplaceLastDot(typeName))
            ?? throw Fail(metadata.Name, $"type '{typeName}' not found in {assembly.GetName().Name}");
        List<MethodInfo> methods = [.. type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name == methodName && m.GetParameters().Any(p => p.Name == trigger.Name))];
        return methods switch
        {
            [MethodInfo one] => one,
            [] => throw Fail(metadata.Name, $"no public method {methodName} with a parameter '{trigger.Name}' on {typeName}"),
            _ => throw Fail(metadata.Name, $"{methodName} on {typeName} is overloaded"),
        };
    }

    // Nested classes are written as Outer.Inner in the entry point; reflection wants Outer+Inner.
    private static string ReplaceLastDot(string typeName)
    {
        int dot = typeName.LastIndexOf('.');
        return dot <= 0 ? typeName : typeName[..dot] + "+" + typeName[(dot + 1)..];
    }

    private static ParameterBinding Bind(string function, FunctionKind kind, BindingMetadata trigger, ParameterInfo parameter)
    {
        string name = parameter.Name ?? "";
        Type type = parameter.ParameterType;
        if (name == trigger.Name)
        {
            bool ok = kind switch
            {
                FunctionKind.Http => type == typeof(HttpRequest),
                FunctionKind.Orchestrator => type == typeof(TaskOrchestrationContext),
                FunctionKind.Timer => type == typeof(TimerInfo),
                _ => !type.IsByRef,
            };
            return ok
                ? new ParameterBinding(name, type, ParameterSource.Trigger)
                : throw Fail(function, $"cannot bind trigger parameter '{name}' of type {type.Name}" + kind switch
                {
                    FunctionKind.Http => " (the standalone host binds HttpRequest)",
                    FunctionKind.Orchestrator => " (expected TaskOrchestrationContext)",
                    FunctionKind.Timer => " (expected TimerInfo)",
                    _ => "",
                });
        }

        if (type == typeof(CancellationToken) && kind != FunctionKind.Orchestrator)
        {
            return new ParameterBinding(name, type, ParameterSource.CancellationToken);
        }

        if (type == typeof(DurableTaskClient) && kind != FunctionKind.Orchestrator)
        {
            return new ParameterBinding(name, type, ParameterSource.DurableClient);
        }

        if (kind == FunctionKind.Http && type == typeof(HttpContext))
        {
            return new ParameterBinding(name, type, ParameterSource.HttpContext);
        }

        if (kind == FunctionKind.Http && IsConvertibleFromString(type))
        {
            return new ParameterBinding(name, type, ParameterSource.RouteOrQuery);
        }

        throw Fail(function, $"cannot bind parameter '{name}' of type {type.Name}");
    }

    private static bool IsConvertibleFromString(Type type) =>
        type == typeof(string) || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    private static StandaloneStartupException Fail(string function, string problem) =>
        new($"Function '{function}': {problem}.");
}
