namespace Tier2.Functions.Hosting;

/// <summary>
/// How features declare their functions: each call records the function in the <see cref="FunctionCatalog"/>
/// and maps it on Kestrel (HTTP routes under <c>/api</c>, and <c>POST /{name}</c> for the host's invocations of
/// queue and timer functions), so nothing is declared twice.
/// </summary>
public sealed class FunctionMap
{
    public const string RoutePrefix = "api";

    private readonly FunctionCatalog _catalog;
    private readonly IEndpointRouteBuilder _root;
    private readonly RouteGroupBuilder _api;

    public FunctionMap(IEndpointRouteBuilder root)
    {
        _root = root;
        _catalog = root.ServiceProvider.GetRequiredService<FunctionCatalog>();
        _api = root.MapGroup("/" + RoutePrefix);
    }

    public IServiceProvider Services => _root.ServiceProvider;

    public RouteHandlerBuilder Get(string name, string route, Delegate handler) => Http(name, route, [HttpMethods.Get], handler);

    public RouteHandlerBuilder Post(string name, string route, Delegate handler) => Http(name, route, [HttpMethods.Post], handler);

    public RouteHandlerBuilder Patch(string name, string route, Delegate handler) => Http(name, route, [HttpMethods.Patch], handler);

    public RouteHandlerBuilder Put(string name, string route, Delegate handler) => Http(name, route, [HttpMethods.Put], handler);

    public RouteHandlerBuilder Delete(string name, string route, Delegate handler) => Http(name, route, [HttpMethods.Delete], handler);

    /// <summary>An authenticated HTTP function (the fallback policy applies unless the caller allows anonymous).</summary>
    public RouteHandlerBuilder Http(string name, string route, string[] methods, Delegate handler)
    {
        _catalog.Add(new FunctionDefinition(name, new HttpTrigger(route, methods, Anonymous: false)));
        return _api.MapMethods("/" + route, methods, handler).WithName(name);
    }

    /// <summary>An anonymous HTTP function (health, OpenAPI, the invite landing page).</summary>
    public RouteHandlerBuilder AnonymousHttp(string name, string route, string[] methods, Delegate handler)
    {
        _catalog.Add(new FunctionDefinition(name, new HttpTrigger(route, methods, Anonymous: true)));
        return _api.MapMethods("/" + route, methods, handler).WithName(name).AllowAnonymous();
    }

    /// <summary>An HTTP function whose endpoint a framework maps (for example the OpenAPI document).</summary>
    public IEndpointConventionBuilder AnonymousEndpoint(string name, string route, string[] methods, Func<IEndpointRouteBuilder, string, IEndpointConventionBuilder> map)
    {
        _catalog.Add(new FunctionDefinition(name, new HttpTrigger(route, methods, Anonymous: true)));
        return map(_root, "/" + RoutePrefix + "/" + route).AllowAnonymous();
    }

    public void Queue(string name, string queueName, QueueFunctionHandler handler)
    {
        _catalog.Add(new FunctionDefinition(name, new QueueTrigger(queueName)) { QueueHandler = handler });
        MapInvocation(name);
    }

    public void Timer(string name, string schedule, TimerFunctionHandler handler)
    {
        _catalog.Add(new FunctionDefinition(name, new TimerTrigger(schedule)) { TimerHandler = handler });
        MapInvocation(name);
    }

    private void MapInvocation(string name)
    {
        _root.MapPost("/" + name, (HttpContext context, HostInvoker invoker) => invoker.InvokeAsync(name, context))
            .AllowAnonymous()
            .ExcludeFromDescription()
            .AddEndpointFilter(static async (ctx, next) =>
            {
                // Only the Functions host, on this machine, may invoke queue and timer functions.
                var remote = ctx.HttpContext.Connection.RemoteIpAddress;
                if (remote is not null && !System.Net.IPAddress.IsLoopback(remote))
                {
                    return TypedResults.NotFound();
                }

                return await next(ctx);
            });
    }
}
