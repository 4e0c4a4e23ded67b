using System.Security.Cryptography;
using System.Text.Json;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Merkle;
using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Storage;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Verification;

/// <summary>
/// Recomputes a ledger offline from its files: every record's framing and check bytes, the Merkle root at every
/// checkpoint, and every checkpoint's signature. Reports the first entry where the log stops matching.
/// </summary>
public static class LedgerVerifier
{
    /// <summary>Verifies the ledger in <paramref name="directory"/> with a key given apart from it (or its own when null).</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    public static LedgerVerificationResult Verify(string directory, LedgerPublicKey? trustedKey = null) =>
        Verify(directory, new LedgerVerificationOptions { TrustedKey = trustedKey });

    /// <summary>Verifies the ledger in <paramref name="directory"/> against what <paramref name="options"/> trusts.</summary>
    /// <param name="directory">The ledger directory (<c>&lt;data-dir&gt;/ledger</c>).</param>
    /// <param name="options">
    /// The public key to check signatures with, obtained out of band (when absent the directory's own
    /// <c>signing-key.pub.pem</c> is used, which proves integrity only against someone who could not replace it), and
    /// the witnesses whose cosignatures are required.
    /// </param>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    public static LedgerVerificationResult Verify(string directory, LedgerVerificationOptions options) =>
        Verify(directory, options, null, null);

    /// <summary>
    /// <see cref="Verify(string, LedgerVerificationOptions)"/>, handing every entry up to <paramref name="proofs"/>'s
    /// tree size to <paramref name="entries"/> (until it returns false) and building <paramref name="proofs"/> from the
    /// same read, so a report reads the log once. Entries are handed over even past a root mismatch (the result says
    /// so); when the key cannot be loaded nothing is read and <paramref name="proofs"/> stays unsealed.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    public static LedgerVerificationResult Verify(string directory, LedgerVerificationOptions options, LedgerEntryVisitor? entries,
        InclusionProofCollector? proofs)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such ledger directory");
        }

        var trustedKey = options.TrustedKey;
        var warnings = new List<string>();
        LedgerPublicKey? ownKey = null;
        var trust = trustedKey is null ? KeyTrust.LogOwnKey : options.TrustedKeyIsPinned ? KeyTrust.PinnedKey : KeyTrust.GivenKey;
        var keySource = trustedKey is null ? LedgerFiles.PublicKey + " in the ledger directory"
            : (options.TrustedKeyIsPinned ? "pinned key " : "given public key ") + (options.TrustedKeySource ?? string.Empty);
        try
        {
            var publicKeyPath = Path.Combine(directory, LedgerFiles.PublicKey);
            if (trustedKey is null)
            {
                if (!File.Exists(publicKeyPath))
                {
                    return Fail(new LedgerProblem("key", null, LedgerFiles.PublicKey, null, "no public key to check signatures with"));
                }

                ownKey = LedgerPublicKey.Load(publicKeyPath);
            }
            else if (File.Exists(publicKeyPath))
            {
                using var stored = LedgerPublicKey.Load(publicKeyPath);
                if (!stored.KeyId.AsSpan().SequenceEqual(trustedKey.KeyId))
                {
                    warnings.Add($"{LedgerFiles.PublicKey} in the ledger directory is not the trusted key");
                }
            }

            return Run(directory, trustedKey ?? ownKey!, keySource, warnings, options, entries, proofs) with { Trust = trust };
        }
        catch (InvalidDataException ex)
        {
            return Fail(new LedgerProblem("key", null, LedgerFiles.PublicKey, null, ex.Message));
        }
        finally
        {
            ownKey?.Dispose();
        }

        LedgerVerificationResult Fail(LedgerProblem problem) =>
            new(problem, 0, MerkleHash.EmptyRoot(), 0, 0, string.Empty, keySource, warnings) { Trust = trust };
    }

    private static LedgerVerificationResult Run(string directory, LedgerPublicKey key, string keySource, List<string> warnings,
        LedgerVerificationOptions options, LedgerEntryVisitor? entries, InclusionProofCollector? proofs)
    {
        var keyId = Convert.ToHexStringLower(key.KeyId);
        var checkpoints = ReadCheckpoints(directory, key, out var checkpointProblem);
        var witnessed = CheckCosignatures(directory, key, checkpoints, options, warnings, ref checkpointProblem);
        var tree = new CompactRange();
        var verified = 0;
        var signedSize = 0L;
        LedgerProblem? problem = checkpointProblem;
        var tornTailEntries = new List<(long Index, byte[] Payload)>();
        // Checkpoints of the empty tree are checked before any entry.
        while (problem is null && verified < checkpoints.Count && checkpoints[verified].TreeSize == 0)
        {
            problem = CompareRoot(tree, checkpoints, verified, signedSize);
            verified += problem is null ? 1 : 0;
        }

        // With a pass riding along (entries, proofs), the read goes on past a problem in the checkpoints (a mismatched
        // root, a bad signature) up to the pass's tree size; the verdict is still the first problem.
        var feeding = entries is not null || proofs is not null;
        var feedUntil = proofs?.TreeSize ?? long.MaxValue;
        tree.ProofCollector = proofs;
        var scan = new LedgerScan(directory);
        var scanProblem = problem is not null && !feeding ? null : scan.Run((in RecordView record) =>
        {
            if (entries is not null && record.Index < feedUntil
                && !entries(record.Index, record.Kind, RecordFormat.FromMicros(record.TimestampMicros), record.Payload))
            {
                entries = null;
            }

            tree.Append(record.LeafHash);
            if (record.Kind == LedgerEntryKind.TornTail)
            {
                tornTailEntries.Add((record.Index, record.Payload.ToArray()));
            }

            while (problem is null && verified < checkpoints.Count && checkpoints[verified].TreeSize == tree.Size)
            {
                problem = CompareRoot(tree, checkpoints, verified, signedSize);
                if (problem is not null)
                {
                    break;
                }

                signedSize = tree.Size;
                verified++;
            }

            return problem is null || (feeding && tree.Size < feedUntil);
        });
        tree.ProofCollector = null;

        if (problem is null && scanProblem is not null)
        {
            problem = new LedgerProblem(scanProblem.Incomplete && scanProblem.InLastSegment ? "torn-tail" : "record",
                scanProblem.Index, Path.GetFileName(scanProblem.SegmentPath), scanProblem.Offset, scanProblem.Reason);
        }

        if (problem is null && verified < checkpoints.Count)
        {
            var missing = checkpoints[verified];
            problem = new LedgerProblem("truncated", tree.Size, LedgerFiles.Checkpoints,
                (long)verified * Checkpoint.EncodedSize,
                $"checkpoint #{verified} signs {missing.TreeSize} entries but the log has only {tree.Size}: "
                + $"entries {tree.Size}..{missing.TreeSize - 1} are missing");
        }

        if (problem is null && checkpoints.Count == 0 && tree.Size > 0)
        {
            warnings.Add("no checkpoint has been signed yet: nothing proves these entries were not rewritten");
        }

        if (problem is null && options.Witnesses.Count > 0 && witnessed.Size == 0 && signedSize > 0)
        {
            problem = new LedgerProblem("witness", 0, LedgerFiles.Cosignatures, null,
                $"no checkpoint is cosigned by {options.MinWitnesses} of the {options.Witnesses.Count} given witnesses: "
                + "nothing outside this site vouches for this history");
        }

        CheckTornTailFiles(directory, tornTailEntries, warnings);
        var witnessInfo = (Required: options.Witnesses.Count > 0 ? options.MinWitnesses : 0, witnessed.Size, witnessed.Count);
        if (problem is { Kind: "root-mismatch" })
        {
            // What still verifies is the tree of the newest matching checkpoint.
            var root = verified > 0 ? checkpoints[verified - 1].RootHash : MerkleHash.EmptyRoot();
            return new LedgerVerificationResult(problem, signedSize, root, verified, signedSize, keyId, keySource, warnings)
            {
                WitnessesRequired = witnessInfo.Required, WitnessedSize = Math.Min(witnessInfo.Size, signedSize), WitnessCosignatures = witnessInfo.Count,
            };
        }

        return new LedgerVerificationResult(problem, tree.Size, tree.Root(), verified, signedSize, keyId, keySource, warnings)
        {
            WitnessesRequired = witnessInfo.Required, WitnessedSize = witnessInfo.Size, WitnessCosignatures = witnessInfo.Count,
        };
    }

    /// <summary>
    /// Checks every cosignature line that claims one of the given witnesses against the checkpoint of its tree size
    /// (c2sp.org/tlog-cosignature); a claimed cosignature that does not verify is a problem at that checkpoint
    /// (c2sp.org/signed-note: a failed signature of a known key rejects the note). Returns the newest checkpoint
    /// carrying at least <see cref="LedgerVerificationOptions.MinWitnesses"/> valid cosignatures.
    /// </summary>
    private static (long Size, int Count) CheckCosignatures(string directory, LedgerPublicKey key, List<Checkpoint> checkpoints,
        LedgerVerificationOptions options, List<string> warnings, ref LedgerProblem? problem)
    {
        if (options.Witnesses.Count == 0)
        {
            return (0, 0);
        }

        var lines = CosignatureFile.Read(directory, out var malformed);
        if (malformed > 0)
        {
            warnings.Add($"{LedgerFiles.Cosignatures}: {malformed} malformed lines ignored");
        }

        var bySize = new Dictionary<long, int>();
        for (var i = 0; i < checkpoints.Count; i++)
        {
            bySize[checkpoints[i].TreeSize] = i;
        }

        var valid = new HashSet<(int Checkpoint, string Witness)>();
        int? firstBad = null;
        string? badMessage = null;
        foreach (var (size, signature) in lines)
        {
            var witness = options.Witnesses.FirstOrDefault(w => w.Claims(signature));
            if (witness is null)
            {
                continue; // unknown keys are ignored (c2sp.org/signed-note)
            }

            if (!bySize.TryGetValue(size, out var number))
            {
                warnings.Add($"witness {witness.Name} cosigned a checkpoint of {size} entries that {LedgerFiles.Checkpoints} no longer holds");
                continue;
            }

            var note = key.ToNote(checkpoints[number]);
            if (note is not null && witness.Verify(note.Text, signature, out _))
            {
                valid.Add((number, witness.Name));
            }
            else if (firstBad is null || number < firstBad)
            {
                firstBad = number;
                badMessage = $"checkpoint #{number} (tree size {size}): the cosignature of witness {witness.Name} does not verify: "
                             + "the witness cosigned another root for this tree size, so this history was rewritten after it was witnessed";
            }
        }

        if (firstBad is { } bad && (problem is null || ProblemCheckpoint(problem) > bad))
        {
            problem = new LedgerProblem("cosignature", null, LedgerFiles.Checkpoints, (long)bad * Checkpoint.EncodedSize, badMessage!);
        }

        var need = Math.Max(1, options.MinWitnesses);
        for (var i = checkpoints.Count - 1; i >= 0; i--)
        {
            var count = valid.Count(v => v.Checkpoint == i);
            if (count >= need)
            {
                return (checkpoints[i].TreeSize, count);
            }
        }

        return (0, 0);
    }

    private static long ProblemCheckpoint(LedgerProblem problem) => (problem.Offset ?? long.MaxValue) / Checkpoint.EncodedSize;

    private static LedgerProblem? CompareRoot(CompactRange tree, List<Checkpoint> checkpoints, int number, long signedSize)
    {
        var checkpoint = checkpoints[number];
        if (CryptographicOperations.FixedTimeEquals(tree.Root(), checkpoint.RootHash))
        {
            return null;
        }

        return new LedgerProblem("root-mismatch", signedSize, LedgerFiles.Checkpoints,
            (long)number * Checkpoint.EncodedSize,
            $"entries {signedSize}..{checkpoint.TreeSize - 1} do not hash to the root signed by checkpoint #{number}: "
            + $"one of them was altered (entry {signedSize} is the first not covered by a matching signature)");
    }

    private static List<Checkpoint> ReadCheckpoints(string directory, LedgerPublicKey key, out LedgerProblem? problem)
    {
        problem = null;
        var all = new List<Checkpoint>();
        var path = Path.Combine(directory, LedgerFiles.Checkpoints);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        var whole = bytes.Length / Checkpoint.EncodedSize;
        for (var i = 0; i < whole; i++)
        {
            try
            {
                all.Add(Checkpoint.Decode(bytes.AsSpan(i * Checkpoint.EncodedSize, Checkpoint.EncodedSize)));
            }
            catch (InvalidDataException ex)
            {
                problem = new LedgerProblem("checkpoint", null, LedgerFiles.Checkpoints, (long)i * Checkpoint.EncodedSize,
                    $"checkpoint #{i} is malformed: {ex.Message}");
                break;
            }
        }

        if (problem is null && bytes.Length % Checkpoint.EncodedSize is var tornBytes and > 0)
        {
            problem = new LedgerProblem("checkpoint", null, LedgerFiles.Checkpoints, (long)all.Count * Checkpoint.EncodedSize,
                $"the file ends inside a checkpoint ({tornBytes} of {Checkpoint.EncodedSize} bytes)");
        }

        var valid = new List<Checkpoint>(all.Count);
        for (var i = 0; i < all.Count; i++)
        {
            var checkpoint = all[i];
            var offset = (long)i * Checkpoint.EncodedSize;
            if (!key.Verify(checkpoint))
            {
                problem = new LedgerProblem("checkpoint", null, LedgerFiles.Checkpoints, offset,
                    checkpoint.KeyId.AsSpan().SequenceEqual(key.KeyId)
                        ? $"checkpoint #{i} (tree size {checkpoint.TreeSize}) has an invalid signature"
                        : $"checkpoint #{i} (tree size {checkpoint.TreeSize}) is signed by another key "
                          + Convert.ToHexStringLower(checkpoint.KeyId));
                break;
            }

            if (valid.Count > 0 && checkpoint.TreeSize < valid[^1].TreeSize)
            {
                problem = new LedgerProblem("checkpoint", null, LedgerFiles.Checkpoints, offset,
                    $"checkpoint #{i} signs {checkpoint.TreeSize} entries, fewer than the {valid[^1].TreeSize} before it");
                break;
            }

            valid.Add(checkpoint);
        }

        return valid;
    }

    private static void CheckTornTailFiles(string directory, List<(long Index, byte[] Payload)> entries, List<string> warnings)
    {
        foreach (var (index, payload) in entries)
        {
            try
            {
                using var json = JsonDocument.Parse(payload);
                var setAside = json.RootElement.GetProperty("setAside").GetString() ?? string.Empty;
                var expected = json.RootElement.GetProperty("sha256").GetString();
                var path = Path.Combine(directory, setAside);
                if (!File.Exists(path))
                {
                    warnings.Add($"entry {index} records a torn tail set aside in {setAside}, which is gone");
                }
                else if (Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) != expected)
                {
                    warnings.Add($"entry {index} records a torn tail set aside in {setAside}, whose content changed since");
                }
                else
                {
                    warnings.Add($"entry {index}: a crash left a torn tail, kept in {setAside}");
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                warnings.Add($"entry {index} is a torn-tail record whose payload is not the documented JSON");
            }
        }
    }
}
