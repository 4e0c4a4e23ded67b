using TwinGuard.Ledger.Checkpoints;

namespace TwinGuard.Ledger;

/// <summary>
/// Signing checkpoints, and what happens when the signer lies: a signature that does not verify with the ledger's
/// (pinned) public key is never written, and the writer stops signing for good.
/// </summary>
/// <remarks>
/// A signer that fails (cannot be started, times out, answers garbage) is retried like a full disk: nothing is signed
/// meanwhile and nothing wrong is written. A signer that answers a well-formed signature of another key is not failing,
/// it is lying: someone replaced the signer or its key, or is feeding it other texts. Retrying would ask it to sign
/// again and again, so the writer stops asking. Entries go on being written and acknowledged (they stay hash-chained,
/// and the first checkpoint of a later start with a trusted signer covers them); <see cref="SigningStopped"/> says why,
/// <see cref="SignerDistrusted"/> tells the host once (a critical alarm, a failed health check), and every checkpoint
/// asked for from then on fails.
/// </remarks>
public sealed partial class LedgerWriter
{
    private volatile string? _signingStopped;

    /// <summary>Raised once, on the writing thread, when the signer returned a signature that does not verify (with the reason).</summary>
    public event Action<string>? SignerDistrusted;

    /// <summary>Why this writer stopped signing checkpoints for good; null while it signs.</summary>
    public string? SigningStopped => _signingStopped;

    /// <summary>
    /// Signs the note text of the tree of <paramref name="size"/> entries with root <paramref name="root"/>, and checks
    /// the signature against the ledger's public key. Null (and signing stopped) when it does not verify.
    /// </summary>
    /// <exception cref="IOException">The signer failed; the caller retries.</exception>
    private byte[]? SignVerified(long size, byte[] root)
    {
        if (_signingStopped is not null)
        {
            return null;
        }

        var text = Checkpoint.NoteText(_key.PublicKey.Origin, size, root);
        var signature = _key.Sign(text);
        if (signature.Length == 64 && _key.PublicKey.VerifyP1363(text, signature))
        {
            return signature;
        }

        StopSigning($"the signer returned a signature of tree size {size} that does not verify with the ledger's public key "
                    + $"{Convert.ToHexStringLower(_key.PublicKey.KeyId)[..8]}: checkpoints are no longer signed (entries are still "
                    + "written); replace the signer and restart");
        return null;
    }

    private void StopSigning(string reason)
    {
        _signingStopped = reason;
        var error = new IOException($"ledger {_directory}: {reason}");
        lock (_gate)
        {
            foreach (var (_, done) in _checkpointWaiters)
            {
                done.TrySetException(error);
            }

            _checkpointWaiters.Clear();
        }

        SignerDistrusted?.Invoke(reason);
    }
}
