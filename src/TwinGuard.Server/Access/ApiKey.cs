namespace TwinGuard.Server.Access;

/// <summary>An API key as stored: who it is for and what it may do, never the secret itself.</summary>
/// <param name="Id">Public identifier, the middle part of the token (<c>tgk_ID_SECRET</c>).</param>
/// <param name="Name">Who or what holds it, e.g. <c>alice</c> or <c>siem</c>; recorded with every write it makes.</param>
/// <param name="Role">What it may do.</param>
/// <param name="Site">The only site it may see, or null for every site.</param>
/// <param name="Created">When it was made.</param>
/// <param name="CreatedBy">Who made it (<c>cli</c>, <c>serve</c> for the first admin key, or a key's name).</param>
/// <param name="Revoked">When it was revoked, if it was.</param>
/// <param name="RevokedBy">Who revoked it.</param>
internal sealed record ApiKey(
    string Id,
    string Name,
    ApiRole Role,
    string? Site,
    DateTimeOffset Created,
    string CreatedBy,
    DateTimeOffset? Revoked,
    string? RevokedBy)
{
    /// <summary>True until revoked.</summary>
    public bool IsActive => Revoked is null;

    /// <summary>How writes made with this key are attributed: <c>NAME (key ID)</c>.</summary>
    public string Actor => $"{Name} (key {Id})";
}
