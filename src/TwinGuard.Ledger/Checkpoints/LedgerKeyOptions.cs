namespace TwinGuard.Ledger.Checkpoints;

/// <summary>Where the key that signs checkpoints lives, and where its public half is pinned.</summary>
/// <remarks>
/// Set <see cref="SigningKeyPath"/> (a file outside the data directory) or <see cref="SignerCommand"/> /
/// <see cref="SignerSocket"/> (with <see cref="SignerPublicKeyPath"/>), so that write access to the data directory is
/// not enough to sign. With none of them the ledger uses (and creates) <c>signing-key.pem</c> in its own directory,
/// as ledgers did before, and says so in <see cref="LedgerWriter.Warnings"/>.
/// </remarks>
public sealed record LedgerKeyOptions
{
    /// <summary>A PKCS#8 PEM ECDSA P-256 private key, created (mode 0600) when absent; never inside the ledger directory.</summary>
    /// <remarks>When it is absent but the ledger directory still holds <c>signing-key.pem</c>, that key is moved here.</remarks>
    public string? SigningKeyPath { get; init; }

    /// <summary>
    /// A shell command that receives the signed text on standard input and prints the signature (base64, DER or r||s)
    /// on standard output, e.g. <c>openssl dgst -sha256 -sign /etc/twinguard/ledger.pem | base64 -w0</c>.
    /// </summary>
    public string? SignerCommand { get; init; }

    /// <summary>A Unix socket: the signed text is sent, the write side shut down, and the signature read back as for <see cref="SignerCommand"/>.</summary>
    public string? SignerSocket { get; init; }

    /// <summary>The signer's public key (PEM or verifier key); required with an external signer.</summary>
    public string? SignerPublicKeyPath { get; init; }

    /// <summary>How long an external signer may take.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan SignerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A file outside the data directory holding the ledger's verifier key, written at first start; later starts refuse
    /// a different key, and <c>ledger verify</c> trusts it.
    /// </summary>
    public string? PinPath { get; init; }

    /// <summary>True when a signer outside the ledger directory is configured.</summary>
    public bool IsApart => SigningKeyPath is not null || SignerCommand is not null || SignerSocket is not null;
}
