namespace TwinGuard.Intel.Formats.Stix;

/// <summary>An object path: the SCO type and the property path, e.g. <c>file</c> and <c>hashes</c>, <c>SHA-256</c> (STIX 2.1 §9.3).</summary>
/// <param name="ObjectType">The cyber-observable type, e.g. <c>ipv4-addr</c>.</param>
/// <param name="Properties">The property path; list indexes appear as <c>[0]</c> or <c>[*]</c>.</param>
public sealed record StixObjectPath(string ObjectType, IReadOnlyList<string> Properties)
{
    /// <summary>The property path joined with dots, e.g. <c>hashes.SHA-256</c>.</summary>
    public string PropertyPath => string.Join('.', Properties);

    /// <inheritdoc/>
    public override string ToString() => $"{ObjectType}:{PropertyPath}";
}
