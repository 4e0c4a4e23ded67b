namespace TwinGuard.Twins.Compliance;

/// <summary>A <c>config-change</c> or <c>playbook-change</c> entry: the file a site ran on, its secrets redacted.</summary>
/// <param name="Index">The ledger entry.</param>
/// <param name="Time">When it was recorded.</param>
/// <param name="Source">The file's path as recorded.</param>
/// <param name="Sha256">SHA-256 of the whole file (lowercase hex).</param>
/// <param name="Content">The file with its secrets redacted.</param>
/// <param name="Redacted">Secrets replaced, or null for an entry written before redaction (the file whole).</param>
public sealed record RecordedFile(long Index, DateTimeOffset Time, string Source, string Sha256, string Content, int? Redacted);
