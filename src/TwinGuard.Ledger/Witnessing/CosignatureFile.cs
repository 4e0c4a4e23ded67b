using System.Globalization;
using System.Text;
using TwinGuard.Ledger.Notes;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>
/// <c>cosignatures.tgw</c>: the witnesses' cosignatures of the ledger's checkpoints, one per line as
/// <c>&lt;tree size&gt; &lt;signature line&gt;</c>; appended, never rewritten. Not trusted by itself: every line is checked
/// against a witness key given to the verifier.
/// </summary>
public static class CosignatureFile
{
    /// <summary>Longest line read; longer ones are reported as malformed.</summary>
    public const int MaxLineLength = 1024;

    /// <summary>Appends cosignatures of the checkpoint of <paramref name="treeSize"/> durably.</summary>
    public static void Append(string directory, long treeSize, IEnumerable<NoteSignature> cosignatures)
    {
        ArgumentNullException.ThrowIfNull(cosignatures);
        var text = new StringBuilder();
        foreach (var cosignature in cosignatures)
        {
            text.Append(treeSize.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(cosignature.ToLine());
        }

        using var stream = new FileStream(Path.Combine(directory, LedgerFiles.Cosignatures), FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every well-formed line as (tree size, signature); <paramref name="malformed"/> counts the others.</summary>
    public static List<(long TreeSize, NoteSignature Signature)> Read(string directory, out int malformed)
    {
        malformed = 0;
        var result = new List<(long, NoteSignature)>();
        var path = Path.Combine(directory, LedgerFiles.Cosignatures);
        if (!File.Exists(path))
        {
            return result;
        }

        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (line.Length > MaxLineLength || space <= 0
                || !long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                malformed++;
                continue;
            }

            try
            {
                result.Add((size, SignedNote.ParseSignatureLine(line[(space + 1)..])));
            }
            catch (FormatException)
            {
                malformed++;
            }
        }

        return result;
    }
}
