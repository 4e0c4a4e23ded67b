namespace TwinGuard.Ledger.Checkpoints;

/// <summary>Signs checkpoints: a key file (<see cref="LedgerSigningKey"/>) or a signer outside the process (<see cref="ExternalSigner"/>).</summary>
public interface ICheckpointSigner : IDisposable
{
    /// <summary>The key whose signatures this signer makes.</summary>
    LedgerPublicKey PublicKey { get; }

    /// <summary>ECDSA P-256 / SHA-256 signature of <paramref name="message"/>, as IEEE P1363 r||s (64 bytes).</summary>
    /// <exception cref="IOException">The signer failed or did not answer in time.</exception>
    byte[] Sign(ReadOnlySpan<byte> message);
}
