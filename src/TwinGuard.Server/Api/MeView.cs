using TwinGuard.Server.Access;

namespace TwinGuard.Server.Api;

/// <summary>The key a request was made with, so a client can show what it may do.</summary>
/// <param name="Name">Its name.</param>
/// <param name="KeyId">Its id.</param>
/// <param name="Role">Its role.</param>
/// <param name="Site">The site it is limited to, if any.</param>
/// <param name="ThisSite">The site this process serves.</param>
internal sealed record MeView(string Name, string KeyId, ApiRole Role, string? Site, string ThisSite);
