using System.Text;
using System.Text.Json;
using TwinGuard.Ledger.Checkpoints;

namespace TwinGuard.Ledger;

/// <summary>The ledger's JSON views of checkpoints, entries and proofs (hashes in lowercase hex), as the CLI and the API print them.</summary>
public static class LedgerJson
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            body(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Checkpoint(Utf8JsonWriter json, string name, Checkpoint checkpoint, string? note = null)
    {
        json.WriteStartObject(name);
        json.WriteNumber("version", checkpoint.Version);
        json.WriteNumber("treeSize", checkpoint.TreeSize);
        json.WriteString("rootHash", Convert.ToHexStringLower(checkpoint.RootHash));
        if (checkpoint.Version == 1)
        {
            json.WriteString("timestamp", checkpoint.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (note is not null)
        {
            json.WriteString("note", note); // c2sp.org/tlog-checkpoint signed note, with the stored cosignatures
        }

        json.WriteString("keyId", Convert.ToHexStringLower(checkpoint.KeyId));
        json.WriteString("signature", Convert.ToBase64String(checkpoint.Signature));
        json.WriteString("encoded", Convert.ToBase64String(checkpoint.Encode()));
        json.WriteEndObject();
    }

    /// <summary>
    /// The checkpoint as a c2sp.org/tlog-checkpoint signed note with the log's signature and the cosignatures stored for
    /// its tree size (not verified here: <c>ledger verify --witness</c> does), or null for a version 1 checkpoint.
    /// </summary>
    public static string? Note(string directory, LedgerPublicKey? key, Checkpoint checkpoint)
    {
        if (key?.ToNote(checkpoint) is not { } note)
        {
            return null;
        }

        var cosignatures = TwinGuard.Ledger.Witnessing.CosignatureFile.Read(directory, out _)
            .Where(c => c.TreeSize == checkpoint.TreeSize).Select(c => c.Signature).Take(16);
        return (note with { Signatures = [.. note.Signatures, .. cosignatures] }).ToString();
    }

    public static void Entry(Utf8JsonWriter json, LedgerEntry entry)
    {
        json.WriteStartObject("entry");
        json.WriteNumber("index", entry.Index);
        json.WriteString("kind", KindName(entry.Kind));
        json.WriteNumber("kindCode", (ushort)entry.Kind);
        json.WriteString("timestamp", entry.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("payloadBase64", Convert.ToBase64String(entry.Payload.Span));
        json.WriteString("leafHash", Convert.ToHexStringLower(entry.ComputeLeafHash()));
        json.WriteEndObject();
    }

    /// <summary>A proof object: its RFC 6962 type, the two sizes or indices it relates, and its hash path.</summary>
    public static void Proof(Utf8JsonWriter json, string type, (string Name, long Value) from, (string Name, long Value) to, IReadOnlyList<byte[]> path)
    {
        json.WriteStartObject("proof");
        json.WriteString("type", type);
        json.WriteNumber(from.Name, from.Value);
        json.WriteNumber(to.Name, to.Value);
        json.WriteStartArray("path");
        foreach (var hash in path)
        {
            json.WriteStringValue(Convert.ToHexStringLower(hash));
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>kebab-case name of a kind (<c>reading-batch</c>), or its number for kinds this build does not know.</summary>
    public static string KindName(LedgerEntryKind kind) => Enum.IsDefined(kind)
        ? string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()))
        : ((ushort)kind).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
