using System.Security.Cryptography;
using System.Text.Json;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Proofs;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// Checks a JSON report against the log's public key alone, trusting nothing its author wrote: the checkpoint's
/// signature, every cited entry's RFC 6962 inclusion proof (RFC 9162 §2.1.3.2) against the signed root, that each
/// entry is described as its payload says, and that every entry a control cites is proven. With the data directory,
/// also that its ledger holds the checkpoint's tree.
/// </summary>
public static class ComplianceVerifier
{
    /// <summary>Citations a report may hold: beyond it the report is refused rather than read.</summary>
    public const int MaxCitations = 100_000;

    /// <summary>Verifies <paramref name="json"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a compliance report.</exception>
    public static ReportVerification Verify(string json, LedgerPublicKey key, string? dataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"not JSON: {ex.Message}");
        }

        using (document)
        {
            return Verify(document.RootElement, key, dataDirectory);
        }
    }

    private static ReportVerification Verify(JsonElement root, LedgerPublicKey key, string? dataDirectory)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != ComplianceReportJson.Format)
        {
            throw new InvalidDataException($"not a compliance report (expected \"format\": \"{ComplianceReportJson.Format}\")");
        }

        var standard = Field(root, "standard").TryGetProperty("id", out var id) ? id.GetString() ?? "?" : "?";
        var problems = new List<VerificationProblem>();
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Decode(Convert.FromBase64String(Field(Field(root, "checkpoint"), "encoded").GetString() ?? string.Empty));
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("checkpoint.encoded: " + ex.Message);
        }

        var origin = root.TryGetProperty("ledger", out var ledger) && ledger.TryGetProperty("origin", out var o) ? o.GetString() : null;
        var signed = key.Verify(checkpoint) || (origin is not null && origin != key.Origin && key.WithOrigin(origin).Verify(checkpoint));
        if (!signed)
        {
            problems.Add(new VerificationProblem(null, $"the checkpoint of {checkpoint.TreeSize} entries is not signed by the key given (key id {Convert.ToHexStringLower(checkpoint.KeyId)[..16]})"));
        }

        var citations = Field(root, "citations");
        if (citations.ValueKind != JsonValueKind.Array || citations.GetArrayLength() > MaxCitations)
        {
            throw new InvalidDataException($"citations: expected a list of at most {MaxCitations}");
        }

        var proven = new HashSet<long>();
        var verified = 0;
        foreach (var citation in citations.EnumerateArray())
        {
            if (Citation(citation, checkpoint, problems) is { } index)
            {
                verified++;
                proven.Add(index);
            }
        }

        foreach (var control in Field(root, "controls").EnumerateArray())
        {
            var controlId = control.TryGetProperty("id", out var cid) ? cid.GetString() : "?";
            foreach (var evidence in Field(control, "evidence").EnumerateArray())
            {
                foreach (var entry in Field(evidence, "entries").EnumerateArray())
                {
                    if (entry.TryGetInt64(out var index) && !proven.Contains(index))
                    {
                        problems.Add(new VerificationProblem(index, $"entry {index}, cited by {controlId}, has no proof that verifies"));
                        proven.Add(index); // once per entry
                    }
                }
            }
        }

        bool? matched = null;
        if (dataDirectory is not null)
        {
            matched = LedgerHolds(Path.Combine(dataDirectory, "ledger"), checkpoint, problems);
        }

        return new ReportVerification(standard, checkpoint.TreeSize, signed, verified, citations.GetArrayLength(), matched, problems);
    }

    /// <summary>Checks one citation; returns its index when its proof leads to the signed root.</summary>
    private static long? Citation(JsonElement c, Checkpoint checkpoint, List<VerificationProblem> problems)
    {
        long index = -1;
        try
        {
            index = Field(c, "index").GetInt64();
            var kind = (LedgerEntryKind)Field(c, "kindCode").GetUInt16();
            var micros = Field(c, "timestampMicros").GetInt64();
            var withheld = c.TryGetProperty("payloadWithheld", out var w) && w.ValueKind == JsonValueKind.True;
            var payload = withheld ? [] : Convert.FromBase64String(Field(c, "payloadBase64").GetString() ?? string.Empty);
            var entry = new LedgerEntry(index, kind, DateTimeOffset.UnixEpoch.AddTicks(checked(micros * 10)), payload);
            var proof = Field(c, "proof");
            var treeSize = Field(proof, "treeSize").GetInt64();
            var path = Field(proof, "path").EnumerateArray().Select(h => Convert.FromHexString(h.GetString() ?? string.Empty)).ToList();
            var name = $"entry {index} ({LedgerJson.KindName(kind)})";
            if (Field(proof, "leafIndex").GetInt64() != index || treeSize != checkpoint.TreeSize)
            {
                problems.Add(new VerificationProblem(index, $"{name}: its proof is not for this entry in the checkpoint of {checkpoint.TreeSize} entries"));
                return null;
            }

            // A withheld payload (a secret in a file recorded before redaction) is proven by its leaf hash alone.
            var leaf = withheld ? Convert.FromHexString(Field(c, "leafHash").GetString() ?? string.Empty) : entry.ComputeLeafHash();
            if (!InclusionProof.Verify(index, treeSize, leaf, path, checkpoint.RootHash))
            {
                problems.Add(new VerificationProblem(index, $"{name}: the inclusion proof does not lead to the signed root: the entry's kind, time or payload is not what the ledger holds"));
                return null;
            }

            if (withheld)
            {
                return index;
            }

            var stated = c.TryGetProperty("leafHash", out var l) ? l.GetString() : null;
            if (stated is not null && !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(stated), leaf))
            {
                problems.Add(new VerificationProblem(index, $"{name}: the report states leaf hash {stated}, but the entry hashes to {Convert.ToHexStringLower(leaf)}"));
            }

            var summary = EntrySummary.Describe(kind, payload);
            if (c.TryGetProperty("summary", out var s) && s.GetString() != summary)
            {
                problems.Add(new VerificationProblem(index, $"{name}: the report describes it as \"{s.GetString()}\", but its payload says \"{summary}\""));
            }

            return index;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or InvalidDataException or OverflowException or KeyNotFoundException)
        {
            problems.Add(new VerificationProblem(index >= 0 ? index : null, $"entry {(index >= 0 ? index : "?")}: malformed citation: {ex.Message}"));
            return null;
        }
    }

    private static bool LedgerHolds(string directory, Checkpoint checkpoint, List<VerificationProblem> problems)
    {
        try
        {
            using var reader = LedgerReader.Open(directory);
            if (CryptographicOperations.FixedTimeEquals(reader.ComputeRoot(checkpoint.TreeSize), checkpoint.RootHash))
            {
                return true;
            }

            problems.Add(new VerificationProblem(null, $"{directory}: its first {checkpoint.TreeSize} entries do not hash to the report's signed root"));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            problems.Add(new VerificationProblem(null, $"{directory}: {ex.Message}"));
        }

        return false;
    }

    private static JsonElement Field(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) ? v : throw new InvalidDataException($"the report has no '{name}'");
}
