namespace TwinGuard.Ledger.Notes;

/// <summary>One signature line of a signed note: <c>— &lt;name&gt; base64(key hash || signature)</c>.</summary>
/// <param name="Name">The key name (c2sp.org/signed-note: no spaces, no plus).</param>
/// <param name="KeyHash">The 32-bit key ID, big-endian in the line.</param>
/// <param name="Signature">The signature bytes after the key ID.</param>
public sealed record NoteSignature(string Name, uint KeyHash, byte[] Signature)
{
    /// <summary>The line, em dash first, newline last (c2sp.org/signed-note §Signatures).</summary>
    public string ToLine()
    {
        var bytes = new byte[4 + Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, KeyHash);
        Signature.CopyTo(bytes, 4);
        return SignedNote.SignaturePrefix + Name + " " + Convert.ToBase64String(bytes) + "\n";
    }
}
