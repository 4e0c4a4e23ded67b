using Microsoft.AspNetCore.Authorization;

namespace TwinGuard.Server.Access;

/// <summary>An endpoint needs a key of at least this role, for this site (IEC 62443-3-3 SR 2.1, authorisation enforcement).</summary>
/// <param name="Minimum">The lowest role allowed.</param>
internal sealed record RoleRequirement(ApiRole Minimum) : IAuthorizationRequirement;
