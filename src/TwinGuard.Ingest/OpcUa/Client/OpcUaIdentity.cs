namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>Who the client activates its session as (OPC 10000-4 §7.41): anonymous, or a user name and password.</summary>
/// <param name="UserName">The user name; null for anonymous.</param>
/// <param name="Password">The password; never logged or printed.</param>
public sealed record OpcUaIdentity(string? UserName, string? Password)
{
    /// <summary>The anonymous identity.</summary>
    public static OpcUaIdentity Anonymous { get; } = new(null, null);

    /// <summary>Names the identity without its secret.</summary>
    public override string ToString() => UserName is null ? "anonymous" : $"user '{UserName}'";
}
