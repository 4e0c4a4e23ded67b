namespace TwinGuard.Server.Api;

/// <summary>A key to make.</summary>
/// <param name="Name">Who holds it.</param>
/// <param name="Role"><c>viewer</c>, <c>operator</c> or <c>admin</c>.</param>
/// <param name="Site">Limit it to this site; null: every site.</param>
internal sealed record KeyRequest(string Name, string Role, string? Site);
