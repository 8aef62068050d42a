using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Tier2.Functions.Hosting.Http;

/// <summary>
/// Requests no function serves: a path no function's route matches, or a method its route does not answer (HEAD on a
/// GET route included). Left to the hosts they are an empty 404; this catch-all function, which both hosts rank
/// below every other route and reach only when no other function's route and method match, answers them as problem
/// details: 404, or 405 with <c>Allow</c> naming the methods the route answers.
/// </summary>
public static class UnservedRequests
{
    [Function(nameof(UnservedRequest))]
    [HttpHandler(nameof(Answer))]
    [AllowAnonymous]
    [AnswersBeforeStorageIsReady]
    [ExcludeFromDescription]
    public static IResult UnservedRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", "put", "patch", "delete", "options", Route = "{*path}")] HttpRequest request) =>
        HttpFunctions.Run(request);

    private static ProblemHttpResult Answer(HttpContext http, HttpFunctionCatalog catalog)
    {
        var allowed = catalog.MethodsFor(http.Request.Path, HostJson.RoutePrefix);
        if (allowed.Count == 0)
        {
            return TypedResults.Problem("No operation of this API has this path; see /api/openapi.json.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);
        }

        var methods = string.Join(", ", allowed);
        http.Response.Headers.Allow = methods;
        return TypedResults.Problem($"This path answers {methods}, not {http.Request.Method}.", statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed.", type: ProblemTypes.MethodNotAllowed);
    }
}
