using System.Security.Cryptography;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>
/// What an attacker with write access to a ledger directory does: change an entry, fix its check bytes, recompute the
/// roots and sign the checkpoints again with a key they hold.
/// </summary>
internal static class LedgerForgery
{
    /// <summary>Flips a payload byte of <paramref name="index"/> and re-signs every checkpoint that covers it with <paramref name="key"/>.</summary>
    /// <returns>The number of the first checkpoint re-signed.</returns>
    public static int RewriteEntry(string directory, long index, ECDsa key)
    {
        var victim = SegmentLayout.Records(directory).Single(r => r.Index == index);
        var record = SegmentLayout.ReadRecord(victim);
        record[26] ^= 1; // the payload's third byte
        SHA256.HashData(record.AsSpan(0, record.Length - 8)).AsSpan(0, 8).CopyTo(record.AsSpan(record.Length - 8));
        var bytes = File.ReadAllBytes(victim.SegmentPath);
        record.CopyTo(bytes, victim.Offset);
        File.WriteAllBytes(victim.SegmentPath, bytes);

        var checkpoints = CheckpointFile.Read(directory, out _);
        using var publicKey = LedgerPublicKey.FromKey(ECDsa.Create(key.ExportParameters(false)));
        using var reader = LedgerReader.Open(directory);
        var first = checkpoints.FindIndex(c => c.TreeSize > index);
        using var file = new FileStream(Path.Combine(directory, LedgerFiles.Checkpoints), FileMode.Open, FileAccess.Write);
        for (var i = first; i < checkpoints.Count; i++)
        {
            var c = checkpoints[i];
            var root = reader.ComputeRoot(c.TreeSize);
            var body = Checkpoint.Body(c.TreeSize, DateTimeOffset.UnixEpoch, root, publicKey.KeyId, Checkpoint.NoteVersion);
            var signature = key.SignData(Checkpoint.NoteText(publicKey.Origin, c.TreeSize, root), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            file.Position = (long)i * Checkpoint.EncodedSize;
            file.Write([.. body, .. signature]);
        }

        // The attacker also replaces the public copies beside the log with their key.
        File.WriteAllText(Path.Combine(directory, LedgerFiles.PublicKey), publicKey.Pem);
        File.WriteAllText(Path.Combine(directory, LedgerFiles.VerifierKey), publicKey.VerifierKey + "\n");
        return first;
    }
}
