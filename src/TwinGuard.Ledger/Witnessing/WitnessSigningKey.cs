using System.Buffers.Binary;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Notes;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>A witness's Ed25519 private key, kept as PKCS#8 PEM (mode 0600), with its name.</summary>
public sealed class WitnessSigningKey
{
    private readonly Ed25519KeyHandle _key;

    private WitnessSigningKey(string name, byte[] seed)
    {
        _key = Ed25519.PrivateKeyHandle(seed);
        PublicKey = new WitnessPublicKey(name, Ed25519.PublicKey(seed));
    }

    /// <summary>Its public half.</summary>
    public WitnessPublicKey PublicKey { get; }

    /// <summary>Loads the key at <paramref name="path"/>, or creates it (0600) when absent.</summary>
    /// <exception cref="InvalidDataException">The file is not an Ed25519 key, or the name is not a key name.</exception>
    public static WitnessSigningKey LoadOrCreate(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            var seed = Ed25519.NewSeed();
            var created = new WitnessSigningKey(name, seed);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            KeyFiles.WriteNew(path, Ed25519.ToPem(seed), secret: true);
            return created;
        }

        try
        {
            return new WitnessSigningKey(name, Ed25519.FromPem(File.ReadAllText(path)));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>An Ed25519 signature over <see cref="WitnessPublicKey.MessageToSign"/> of <paramref name="message"/> (a peer message, docs/sharing.md).</summary>
    public byte[] SignMessage(ReadOnlySpan<byte> message) => Ed25519.Sign(_key, WitnessPublicKey.MessageToSign(message));

    /// <summary>A cosignature/v1 line over <paramref name="noteText"/> at <paramref name="timestamp"/> (POSIX seconds).</summary>
    public NoteSignature Cosign(string noteText, ulong timestamp)
    {
        var signature = new byte[8 + Ed25519.SignatureSize];
        BinaryPrimitives.WriteUInt64BigEndian(signature, timestamp);
        Ed25519.Sign(_key, WitnessPublicKey.SignedMessage(timestamp, noteText)).CopyTo(signature, 8);
        return new NoteSignature(PublicKey.Name, PublicKey.KeyHash, signature);
    }
}
