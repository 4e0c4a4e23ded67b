namespace TwinGuard.Twins.Compliance;

/// <summary>The controls of one standard that a report evaluates (<c>compliance/*.yaml</c>, embedded).</summary>
/// <param name="Standard">Its short name: <c>iec62443-3-3</c>, <c>nist-800-82</c>, <c>iso27001</c>.</param>
/// <param name="Title">The standard's name and edition.</param>
/// <param name="HasLevels">Its entries carry security levels (IEC 62443-3-3), so a report can take a target level.</param>
/// <param name="Controls">The entries in file order.</param>
/// <param name="Sha256">SHA-256 of the catalogue file, in lowercase hex, so a report names exactly what it evaluated.</param>
public sealed record ComplianceCatalogue(string Standard, string Title, bool HasLevels, IReadOnlyList<ControlEntry> Controls, string Sha256);
