namespace TwinGuard.Server.Api;

/// <summary>A standard the compliance report covers.</summary>
/// <param name="Id">Its name for <c>?standard=</c>.</param>
/// <param name="Title">The standard and edition.</param>
/// <param name="Controls">Entries in its catalogue.</param>
/// <param name="HasLevels">Whether <c>targetSl</c> applies (IEC 62443-3-3).</param>
internal sealed record StandardView(string Id, string Title, int Controls, bool HasLevels);
