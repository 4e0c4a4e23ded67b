using System.Buffers.Binary;
using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>A signed statement "the log had <see cref="TreeSize"/> entries with Merkle root <see cref="RootHash"/>".</summary>
/// <param name="TreeSize">Entries covered: indices 0 .. TreeSize-1.</param>
/// <param name="Timestamp">
/// When the checkpoint was signed (microsecond precision), for version 1; version 2 stores none (the Unix epoch here):
/// its signature covers only the note text, and witnesses' cosignatures carry signed times.
/// </param>
/// <param name="RootHash">RFC 6962 §2.1 MTH of the first <see cref="TreeSize"/> entries (32 bytes).</param>
/// <param name="KeyId">SHA-256 of the signing key's DER SubjectPublicKeyInfo (32 bytes).</param>
/// <param name="Signature">ECDSA P-256 / SHA-256, IEEE P1363 r||s (64 bytes), over <see cref="SignedBytes"/>.</param>
/// <remarks>
/// Encoding: docs/ledger-format.md §Checkpoints; 152 bytes. Version 1 signs its first 88 bytes; version 2 (written since
/// the ledger has witnesses) signs the C2SP tlog-checkpoint note text <c>origin\nsize\nbase64(root)\n</c>, so the same
/// signature is a valid c2sp.org/signed-note ECDSA (type 0x02) signature line.
/// </remarks>
public sealed record Checkpoint(long TreeSize, DateTimeOffset Timestamp, byte[] RootHash, byte[] KeyId, byte[] Signature)
{
    /// <summary>Bytes of one encoded checkpoint.</summary>
    public const int EncodedSize = SignedSize + SignatureSize;

    internal const int SignedSize = 88;
    internal const int SignatureSize = 64;
    internal const ushort FormatVersion = 1;
    internal const ushort NoteVersion = 2;

    /// <summary>1: the signature covers the 88-byte body; 2: it covers the signed-note text (<see cref="NoteText(string)"/>).</summary>
    public ushort Version { get; init; } = FormatVersion;

    internal static ReadOnlySpan<byte> Magic => "TGCP"u8;

    /// <summary>The bytes the signature covers: the 88-byte body (version 1) or the note text for <paramref name="origin"/> (version 2).</summary>
    public byte[] SignedBytes(string origin) => Version == NoteVersion ? NoteText(origin) : Body(TreeSize, Timestamp, RootHash, KeyId, Version);

    /// <summary>
    /// The c2sp.org/tlog-checkpoint note text: origin, tree size in decimal, base64 root hash, each ending in a newline.
    /// </summary>
    public byte[] NoteText(string origin) => NoteText(origin, TreeSize, RootHash);

    /// <summary>The note text of a checkpoint (c2sp.org/tlog-checkpoint §Note text).</summary>
    public static byte[] NoteText(string origin, long treeSize, ReadOnlySpan<byte> rootHash) =>
        System.Text.Encoding.UTF8.GetBytes(
            origin + "\n" + treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + Convert.ToBase64String(rootHash) + "\n");

    /// <summary>The full 152-byte encoding as stored in <c>checkpoints.tgc</c>.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[EncodedSize];
        Body(TreeSize, Timestamp, RootHash, KeyId, Version).CopyTo(bytes, 0);
        Signature.CopyTo(bytes, SignedSize);
        return bytes;
    }

    internal static byte[] Body(long treeSize, DateTimeOffset timestamp, ReadOnlySpan<byte> root, ReadOnlySpan<byte> keyId, ushort version)
    {
        var body = new byte[SignedSize];
        Magic.CopyTo(body);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(4), version);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(6), SignatureSize);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(8), treeSize);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), RecordFormat.MicrosSinceEpoch(timestamp));
        root.CopyTo(body.AsSpan(24));
        keyId.CopyTo(body.AsSpan(56));
        return body;
    }

    /// <summary>Decodes one 152-byte checkpoint; the signature is not checked here.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a checkpoint.</exception>
    public static Checkpoint Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != EncodedSize)
        {
            throw new InvalidDataException($"a checkpoint is {EncodedSize} bytes, got {bytes.Length}");
        }

        if (!bytes[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("checkpoint does not start with \"TGCP\"");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        var signatureLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]);
        if (version is not (FormatVersion or NoteVersion) || signatureLength != SignatureSize)
        {
            throw new InvalidDataException($"checkpoint version {version} with a {signatureLength}-byte signature is not supported");
        }

        var size = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        if (size < 0)
        {
            throw new InvalidDataException($"checkpoint tree size {size} is negative");
        }

        var micros = BinaryPrimitives.ReadInt64BigEndian(bytes[16..]);
        if (version == NoteVersion && micros != 0)
        {
            // The note signature does not cover a time; an unsigned time would be a place to lie (docs/ledger-format.md).
            throw new InvalidDataException($"a version 2 checkpoint carries no timestamp, this one has {micros}");
        }

        if (micros is < 0 or > 253_402_300_799_000_000)
        {
            throw new InvalidDataException($"checkpoint timestamp {micros} µs is out of range");
        }

        return new Checkpoint(size, RecordFormat.FromMicros(micros), bytes.Slice(24, 32).ToArray(),
            bytes.Slice(56, 32).ToArray(), bytes.Slice(SignedSize, SignatureSize).ToArray()) { Version = version };
    }
}
