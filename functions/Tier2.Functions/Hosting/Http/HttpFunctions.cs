using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client;

namespace Tier2.Functions.Hosting.Http;

/// <summary>The one line every HTTP function's body is: run the function's handler through <see cref="HttpFunctionRunner"/>.</summary>
public static class HttpFunctions
{
    /// <param name="request">The trigger's request; its services are the invocation's (both hosts set them).</param>
    /// <param name="durable">The function's <c>[DurableClient]</c>, when its handler starts or signals orchestrations.</param>
    /// <param name="function">The calling function (functions are named after their methods).</param>
    public static IResult Run(HttpRequest request, DurableTaskClient? durable = null, [CallerMemberName] string function = "")
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.HttpContext.RequestServices.GetRequiredService<HttpFunctionRunner>().Run(request, durable, function);
    }
}
