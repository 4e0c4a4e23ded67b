using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using TwinGuard.Server.Api;

namespace TwinGuard.Server.Access;

/// <summary>Turns a refused authorization into RFC 7807 problem+json that says why (role too low, wrong site).</summary>
internal sealed class AccessResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
            return Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Not allowed for this key",
                reasons.Count > 0 ? string.Join("; ", reasons) : "this key may not do this");
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
