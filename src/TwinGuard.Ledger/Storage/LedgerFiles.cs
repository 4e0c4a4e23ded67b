namespace TwinGuard.Ledger.Storage;

/// <summary>The names of the files in a ledger directory (docs/ledger-format.md §Directory).</summary>
internal static class LedgerFiles
{
    public const string PrivateKey = "signing-key.pem";
    public const string PublicKey = "signing-key.pub.pem";
    public const string VerifierKey = "signing-key.vkey";
    public const string Checkpoints = "checkpoints.tgc";
    public const string Cosignatures = "cosignatures.tgw";
    public const string TornDirectory = "torn";
    public const string WriterLock = "writer.lock";

    /// <summary>Segment files in the directory, ordered by first entry index.</summary>
    public static List<(long FirstIndex, string Path)> Segments(string directory)
    {
        var result = new List<(long, string)>();
        if (!Directory.Exists(directory))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(directory, SegmentFormat.Prefix + "*" + SegmentFormat.Extension))
        {
            if (SegmentFormat.TryParseFileName(Path.GetFileName(path), out var first))
            {
                result.Add((first, path));
            }
        }

        result.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return result;
    }
}
