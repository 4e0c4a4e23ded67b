using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary><c>checkpoints.tgc</c>: signed checkpoints, 152 bytes each, appended in tree-size order.</summary>
internal static class CheckpointFile
{
    /// <summary>
    /// Reads only the newest complete checkpoint (null if none) and how many complete ones precede the torn rest,
    /// without loading the whole file: what a writer needs on start.
    /// </summary>
    /// <exception cref="InvalidDataException">The newest checkpoint is malformed (message names file and offset).</exception>
    public static Checkpoint? ReadLast(string directory, out long count, out int tornBytes)
    {
        var path = Path.Combine(directory, LedgerFiles.Checkpoints);
        count = 0;
        tornBytes = 0;
        if (!File.Exists(path))
        {
            return null;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        count = length / Checkpoint.EncodedSize;
        tornBytes = (int)(length - (count * Checkpoint.EncodedSize));
        if (count == 0)
        {
            return null;
        }

        var offset = (count - 1) * Checkpoint.EncodedSize;
        var bytes = new byte[Checkpoint.EncodedSize];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(read), offset + read);
            if (n == 0)
            {
                throw new InvalidDataException($"{path}: shorter than its length while reading checkpoint #{count - 1}");
            }

            read += n;
        }

        try
        {
            return Checkpoint.Decode(bytes);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: checkpoint #{count - 1} at offset {offset}: {ex.Message}", ex);
        }
    }

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
