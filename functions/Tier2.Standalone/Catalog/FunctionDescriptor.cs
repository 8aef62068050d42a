using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Tier2.Standalone.Catalog;

/// <summary>What triggers a function.</summary>
internal enum FunctionKind
{
    Http,
    Orchestrator,
    Activity,
    Timer,
}

/// <summary>Where one parameter's value comes from at invocation.</summary>
internal enum ParameterSource
{
    /// <summary>The trigger's value: HttpRequest, TaskOrchestrationContext, the activity input, TimerInfo.</summary>
    Trigger,

    /// <summary>The host's DurableTaskClient.</summary>
    DurableClient,

    /// <summary>The invocation's cancellation token.</summary>
    CancellationToken,

    /// <summary>The HttpContext of an HTTP invocation.</summary>
    HttpContext,

    /// <summary>An HTTP route value (then query string value) of the parameter's name.</summary>
    RouteOrQuery,
}

/// <summary>How to supply one parameter.</summary>
internal sealed record ParameterBinding(string Name, Type Type, ParameterSource Source);

/// <summary>A function of the catalog, resolved to its method and parameter bindings.</summary>
internal sealed class FunctionDescriptor
{
    private readonly ObjectFactory? factory;

    public FunctionDescriptor(string name, FunctionKind kind, MethodInfo method, BindingMetadata trigger, IReadOnlyList<ParameterBinding> parameters)
    {
        this.Name = name;
        this.Kind = kind;
        this.Method = method;
        this.Trigger = trigger;
        this.Parameters = parameters;
        this.factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
    }

    public string Name { get; }

    public FunctionKind Kind { get; }

    public MethodInfo Method { get; }

    public BindingMetadata Trigger { get; }

    public IReadOnlyList<ParameterBinding> Parameters { get; }

    /// <summary>The trigger parameter's type (an activity's input type).</summary>
    public Type TriggerType => this.Parameters.First(p => p.Source == ParameterSource.Trigger).Type;

    /// <summary>A new instance of the function's class from <paramref name="services"/> (a scope), or null for a static method.</summary>
    public object? CreateInstance(IServiceProvider services) => this.factory?.Invoke(services, null);
}
