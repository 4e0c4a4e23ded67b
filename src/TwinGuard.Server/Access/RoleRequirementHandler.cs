using Microsoft.AspNetCore.Authorization;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Access;

/// <summary>Checks a key's role against <see cref="RoleRequirement"/>, and that the key may see this process's site.</summary>
internal sealed class RoleRequirementHandler(PlantModel plant) : AuthorizationHandler<RoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        var user = context.User;
        if (user.FindFirst(AccessClaims.Role)?.Value is not { } roleName)
        {
            return Task.CompletedTask; // not authenticated: the challenge says so
        }

        var role = ApiRoles.Parse(roleName);
        if (user.FindFirst(AccessClaims.Site)?.Value is { } site && site != plant.Site.Id)
        {
            context.Fail(new AuthorizationFailureReason(this, $"this key is limited to site '{site}'; this is site '{plant.Site.Id}'"));
        }
        else if (role < requirement.Minimum)
        {
            context.Fail(new AuthorizationFailureReason(this, $"this needs the {requirement.Minimum.Name()} role; the key has {role.Name()}"));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
