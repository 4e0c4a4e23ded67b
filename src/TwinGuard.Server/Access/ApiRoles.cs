namespace TwinGuard.Server.Access;

/// <summary>Names of <see cref="ApiRole"/> as written on the command line, in the API and in the key store.</summary>
internal static class ApiRoles
{
    /// <summary>All names, lowest role first.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Enum.GetValues<ApiRole>().Select(Name).ToArray();

    /// <summary>The lowercase name, e.g. <c>operator</c>.</summary>
    public static string Name(this ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses a role name.</summary>
    /// <exception cref="FormatException">It is not one of <see cref="AllNames"/>.</exception>
    public static ApiRole Parse(string name) =>
        Enum.GetValues<ApiRole>().Where(r => r.Name() == name).Select(r => (ApiRole?)r).FirstOrDefault()
        ?? throw new FormatException($"role '{name}' is not one of {string.Join(", ", AllNames)}");
}
