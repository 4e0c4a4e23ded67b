using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary><c>checkpoints.tgc</c>: signed checkpoints, 152 bytes each, appended in tree-size order.</summary>
internal static class CheckpointFile
{
    /// <summary>Reads every complete checkpoint; <paramref name="tornBytes"/> counts bytes of a partial last one.</summary>
    /// <exception cref="InvalidDataException">A complete checkpoint is malformed (message names file and offset).</exception>
    public static List<Checkpoint> Read(string directory, out int tornBytes)
    {
        var path = Path.Combine(directory, LedgerFiles.Checkpoints);
        var result = new List<Checkpoint>();
        tornBytes = 0;
        if (!File.Exists(path))
        {
            return result;
        }

        var bytes = File.ReadAllBytes(path);
        var whole = bytes.Length / Checkpoint.EncodedSize;
        tornBytes = bytes.Length - (whole * Checkpoint.EncodedSize);
        for (var i = 0; i < whole; i++)
        {
            try
            {
                result.Add(Checkpoint.Decode(bytes.AsSpan(i * Checkpoint.EncodedSize, Checkpoint.EncodedSize)));
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{path}: checkpoint #{i} at offset {i * Checkpoint.EncodedSize}: {ex.Message}", ex);
            }
        }

        return result;
    }
}
