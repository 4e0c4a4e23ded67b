using TwinGuard.Ledger.Storage;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>Finds the signer a ledger is configured with, moves a key out of the ledger directory, and pins the key.</summary>
internal static class CheckpointSigners
{
    /// <summary>Opens the signer for the ledger in <paramref name="directory"/>; adds what a person should know to <paramref name="warnings"/>.</summary>
    /// <exception cref="InvalidDataException">A key file is not a key, a configured path is inside the ledger, or the key is not the pinned one.</exception>
    public static ICheckpointSigner Open(string directory, LedgerKeyOptions options, List<string> warnings)
    {
        var inDirectory = Path.Combine(directory, LedgerFiles.PrivateKey);
        ICheckpointSigner signer;
        if (options.SignerCommand is not null || options.SignerSocket is not null)
        {
            var publicPath = options.SignerPublicKeyPath
                             ?? throw new InvalidDataException("an external signer needs the path of its public key (SignerPublicKeyPath)");
            signer = new ExternalSigner(options.SignerCommand, options.SignerSocket, LedgerPublicKey.Load(publicPath), options.SignerTimeout);
            if (File.Exists(inDirectory))
            {
                warnings.Add($"{inDirectory} is an old signing key left in the ledger directory; it no longer signs, delete it");
            }
        }
        else if (options.SigningKeyPath is { } path)
        {
            if (KeyFiles.IsInside(path, directory))
            {
                throw new InvalidDataException($"{path}: the signing key must live outside the ledger directory {directory}");
            }

            if (!File.Exists(path) && File.Exists(inDirectory))
            {
                // An existing ledger keeps its key (one key for its whole life); only its place changes.
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                KeyFiles.WriteNew(path, File.ReadAllText(inDirectory), secret: true);
                File.Delete(inDirectory);
                warnings.Add($"the signing key was moved from the ledger directory to {path}; checkpoints signed before now are "
                             + "only as trustworthy as that directory was (anyone who copied the key can still sign)");
            }

            signer = LedgerSigningKey.LoadOrCreate(path);
            if (File.Exists(inDirectory))
            {
                using var stale = LedgerSigningKey.LoadOrCreate(inDirectory);
                var same = stale.PublicKey.KeyId.AsSpan().SequenceEqual(signer.PublicKey.KeyId);
                signer.Dispose();
                throw new InvalidDataException(same
                    ? $"{inDirectory}: a copy of the signing key is still in the ledger directory; delete it (the key lives in {path})"
                    : $"{inDirectory}: another signing key is in the ledger directory; the ledger is signed by {path}");
            }
        }
        else
        {
            signer = LedgerSigningKey.LoadOrCreate(inDirectory);
            warnings.Add($"the signing key is {inDirectory}, inside the ledger directory: anyone who can write there can rewrite "
                         + "the history and sign it again; configure a key path outside the data directory or an external signer");
        }

        try
        {
            Pin(options.PinPath, signer.PublicKey, warnings);
            WritePublicCopies(directory, signer.PublicKey);
            return signer;
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    /// <summary>The public key beside the log, as PEM and as a verifier key: for convenience, never for trust.</summary>
    private static void WritePublicCopies(string directory, LedgerPublicKey key)
    {
        var pem = Path.Combine(directory, LedgerFiles.PublicKey);
        if (!File.Exists(pem))
        {
            KeyFiles.WriteNew(pem, key.Pem, secret: false);
        }
        else
        {
            using var stored = LedgerPublicKey.Load(pem);
            if (!stored.KeyId.AsSpan().SequenceEqual(key.KeyId))
            {
                throw new InvalidDataException($"{pem} does not belong to the ledger's signing key");
            }
        }

        var vkey = Path.Combine(directory, LedgerFiles.VerifierKey);
        if (!File.Exists(vkey))
        {
            KeyFiles.WriteNew(vkey, key.VerifierKey + "\n", secret: false);
        }
    }

    private static void Pin(string? pinPath, LedgerPublicKey key, List<string> warnings)
    {
        if (pinPath is null)
        {
            return;
        }

        if (!File.Exists(pinPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pinPath))!);
            KeyFiles.WriteNew(pinPath, key.VerifierKey + "\n", secret: false);
            warnings.Add($"pinned the ledger key {key.VerifierKey.Split('+')[1]} in {pinPath} (first start); "
                         + "ledger verify trusts it from now on");
            return;
        }

        using var pinned = LedgerPublicKey.Load(pinPath);
        if (!pinned.KeyId.AsSpan().SequenceEqual(key.KeyId))
        {
            throw new InvalidDataException(
                $"{pinPath}: the ledger was pinned to key {Convert.ToHexStringLower(pinned.KeyId)[..8]} at its first start, "
                + $"but is now signed by {Convert.ToHexStringLower(key.KeyId)[..8]}: refusing to sign with a replaced key");
        }
    }
}
