using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tier2.Standalone.Catalog;
using Tier2.Standalone.Hosting;

namespace Tier2.Standalone.Http;

/// <summary>
/// Maps every HTTP-triggered function on Kestrel under host.json's <c>extensions.http.routePrefix</c>,
/// binding parameters as the isolated worker's ASP.NET Core integration does.
/// </summary>
internal static class HttpFunctionEndpoints
{
    private const string MethodNotAllowedEndpoint = "405 HTTP Method Not Supported";

    public static void Map(WebApplication app, IEnumerable<FunctionDescriptor> functions)
    {
        string prefix = (app.Configuration[$"{FunctionsConfiguration.JobHostSection}:extensions:http:routePrefix"] ?? "api").Trim('/');
        app.UseRouting();

        // The Functions host answers 404 to a known route with the wrong method; ASP.NET Core would say 405.
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.DisplayName == MethodNotAllowedEndpoint)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });

        foreach (FunctionDescriptor function in functions)
        {
            string route = (function.Trigger.Route ?? function.Name).Trim('/');
            string pattern = prefix.Length == 0 ? route : $"{prefix}/{route}";
            RequestDelegate handler = context => InvokeAsync(function, context);
            try
            {
                IEndpointConventionBuilder endpoint = function.Trigger.Methods is { Count: > 0 } methods
                    ? app.MapMethods(pattern, [.. methods.Select(m => m.ToUpperInvariant())], handler)
                    : app.Map(pattern, handler);
                endpoint.WithDisplayName(function.Name);
            }
            catch (RoutePatternException e)
            {
                throw new StandaloneStartupException($"Function '{function.Name}': route '{route}' is not valid: {e.Message}", e);
            }
        }
    }

    private static async Task InvokeAsync(FunctionDescriptor function, HttpContext context)
    {
        object?[] arguments = [.. function.Parameters.Select(p => Bind(p, context))];
        object? result = await FunctionInvoker.InvokeAsync(function, context.RequestServices, arguments).ConfigureAwait(false);
        switch (result)
        {
            case IResult minimal:
                await minimal.ExecuteAsync(context).ConfigureAwait(false);
                break;
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
                break;
            case null:
                // Nothing returned: the function wrote the response itself (or 200 with no body).
                break;
            case string text:
                await Results.Text(text).ExecuteAsync(context).ConfigureAwait(false);
                break;
            default:
                await Results.Json(result).ExecuteAsync(context).ConfigureAwait(false);
                break;
        }
    }

    private static object? Bind(ParameterBinding parameter, HttpContext context) => parameter.Source switch
    {
        ParameterSource.Trigger => context.Request,
        ParameterSource.HttpContext => context,
        ParameterSource.CancellationToken => context.RequestAborted,
        ParameterSource.DurableClient => context.RequestServices.GetRequiredService<DurableTaskClient>(),
        _ => FromRouteOrQuery(parameter, context),
    };

    private static object? FromRouteOrQuery(ParameterBinding parameter, HttpContext context)
    {
        string? text = context.Request.RouteValues.TryGetValue(parameter.Name, out object? value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture)
            : context.Request.Query.TryGetValue(parameter.Name, out Microsoft.Extensions.Primitives.StringValues query) ? query.ToString() : null;
        if (text is null)
        {
            return null;
        }

        if (parameter.Type == typeof(string))
        {
            return text;
        }

        try
        {
            return TypeDescriptor.GetConverter(parameter.Type).ConvertFromInvariantString(text);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            // An unconvertible value binds as missing, as the worker's converters do.
            return null;
        }
    }
}
