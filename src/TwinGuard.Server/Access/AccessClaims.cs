using System.Security.Claims;

namespace TwinGuard.Server.Access;

/// <summary>The claims an authenticated API key carries, and reading them back.</summary>
internal static class AccessClaims
{
    public const string KeyId = "twinguard:key";
    public const string Role = "twinguard:role";
    public const string Site = "twinguard:site";

    public static ClaimsPrincipal Principal(ApiKey key, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, key.Name),
            new(KeyId, key.Id),
            new(Role, key.Role.Name()),
        };
        if (key.Site is { } site)
        {
            claims.Add(new Claim(Site, site));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The key behind a request's user (the handler put it into <see cref="HttpContext.Items"/>).</summary>
    public static ApiKey Key(this HttpContext context) =>
        context.Items[typeof(ApiKey)] as ApiKey ?? throw new InvalidOperationException("no authenticated API key on this request");
}
