using Microsoft.AspNetCore.Authorization;
using Tier2.Functions.Resellers;

namespace Tier2.Functions.Auth;

/// <summary>
/// Part of the default (any-admin) policy: a reseller admin changes something only while its reseller is Active. A
/// suspended reseller's admins (and those of one not yet activated, or removed) keep reading what is delegated to it,
/// and every change they send (any method but GET, HEAD, OPTIONS) answers 403 with the reason. The one place that
/// rule lives: the HTTP function runner evaluates this policy for every function that does not name another.
/// </summary>
public sealed class ActiveResellerRequirement : IAuthorizationRequirement;

public sealed class ActiveResellerHandler(ResellerStore resellers) : AuthorizationHandler<ActiveResellerRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActiveResellerRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.Resource as HttpContext;
        var own = context.User.ResellerId();
        if (own is null || http is null || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            context.Succeed(requirement);
            return;
        }

        var reseller = await resellers.GetAsync(own, http.RequestAborted);
        if (reseller is { Status: ResellerStatus.Active })
        {
            context.Succeed(requirement);
            return;
        }

        context.Fail(new AuthorizationFailureReason(this, reseller is null
            ? $"Reseller '{own}' is not partnered with the provider; its admins change nothing."
            : $"Reseller '{own}' is {reseller.Status}: its admins may read what is delegated to it but change nothing until the provider reactivates it."));
    }
}
