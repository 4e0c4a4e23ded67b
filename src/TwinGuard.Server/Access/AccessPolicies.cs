namespace TwinGuard.Server.Access;

/// <summary>Names of the authorization policies the endpoints require: one per role, each admitting the roles above it.</summary>
internal static class AccessPolicies
{
    /// <summary>Any active key for this site.</summary>
    public const string Viewer = "viewer";

    /// <summary>Operator or admin.</summary>
    public const string Operator = "operator";

    /// <summary>Admin only.</summary>
    public const string Admin = "admin";
}
