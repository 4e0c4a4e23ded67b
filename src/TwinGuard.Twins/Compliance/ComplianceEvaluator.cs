using System.Globalization;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Proofs;
using TwinGuard.Ledger.Verification;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// Evaluates a catalogue over a site's data directory: reads the ledger up to its newest signed checkpoint, matches the
/// plant model with the one the ledger recorded, evaluates every control and proves every entry it cites.
/// </summary>
public static class ComplianceEvaluator
{
    /// <summary>Self-test runs one report cites at most.</summary>
    public const int MaxSelfTestCitations = 64;

    /// <summary>Makes the report.</summary>
    /// <param name="catalogue">The standard.</param>
    /// <param name="targetLevel">IEC 62443 target security level (controls up to it), or null for every control.</param>
    /// <param name="dataDirectory">The site's data directory.</param>
    /// <param name="period">The period.</param>
    /// <param name="plant">Loads the plant model once the ledger says which one the site ran on.</param>
    /// <param name="verification">Options of the full ledger check (the trusted key).</param>
    /// <param name="now">When the report is made.</param>
    /// <param name="ledgerDirectory">The ledger to report on; default the data directory's own (a cluster's silos give the shared one).</param>
    /// <param name="keyStore">Where the API keys are kept, as the report names it; default whether the data directory's <c>operator.db</c> exists.</param>
    /// <exception cref="InvalidDataException">The ledger has no signed checkpoint, or is damaged below it.</exception>
    public static ComplianceReport Evaluate(
        ComplianceCatalogue catalogue,
        int? targetLevel,
        string dataDirectory,
        CompliancePeriod period,
        Func<RecordedFile?, PlantEvidence> plant,
        LedgerVerificationOptions verification,
        DateTimeOffset now,
        string? ledgerDirectory = null,
        string? keyStore = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(plant);
        var directory = ledgerDirectory ?? Path.Combine(dataDirectory, "ledger");
        using var reader = LedgerReader.Open(directory);
        var checkpoint = reader.LatestCheckpoint ?? throw new InvalidDataException($"{directory}: no checkpoint has been signed yet, so nothing can be proven");
        // One read of the log: the full verification, the evidence and the proofs of what the evidence may cite.
        InclusionProofCollector? collector = new(checkpoint.TreeSize);
        var ledger = LedgerEvidence.ForPass(checkpoint, period, collector);
        var checkedLedger = AtCheckpoint(LedgerVerifier.Verify(directory, verification, ledger.Visit, collector), checkpoint, reader.Checkpoints.Count);
        if (!ledger.IsComplete || !collector.IsSealed)
        {
            // The verification read nothing (no key to check with) or stopped below the checkpoint: read for the
            // evidence alone, which says where the log is damaged.
            collector = null;
            ledger = LedgerEvidence.Collect(reader, checkpoint, period);
        }

        var key = verification.TrustedKey ?? reader.PublicKey;
        var context = new ComplianceContext(dataDirectory, directory, ledger, plant(ledger.PlantModel), checkedLedger, now)
        {
            KeyStore = keyStore ?? (File.Exists(Path.Combine(dataDirectory, "operator.db")) ? "present" : "not created yet"),
        };

        var controls = catalogue.Controls
            .Where(c => targetLevel is not { } level || c.Level is not { } l || l <= level)
            .Select(c => Control(c, context))
            .ToList();

        var cited = controls.SelectMany(c => c.Entries).ToHashSet();
        var entries = new Dictionary<long, LedgerEntry>();
        var proofs = new Dictionary<long, InclusionProof>();
        foreach (var (index, (entry, proof)) in collector?.Proofs() ?? new Dictionary<long, (LedgerEntry, InclusionProof)>())
        {
            if (cited.Contains(index))
            {
                (entries[index], proofs[index]) = (entry, proof);
            }
        }

        var unproven = cited.Where(i => !proofs.ContainsKey(i)).ToList();
        if (unproven.Count > 0)
        {
            // Cited without having been tracked during the pass: one more read, for these alone.
            foreach (var (index, proof) in reader.ProveInclusions(unproven, checkpoint.TreeSize, e => entries[e.Index] = e))
            {
                proofs[index] = proof;
            }
        }
        var citations = cited.Order().Select(i => WithheldPayload.HoldsSecrets(entries[i].Kind, entries[i].Payload.Span)
                ? new Citation(entries[i], $"{LedgerJson.KindName(entries[i].Kind)} recorded before redaction: payload withheld (it holds secrets)", proofs[i], Withheld: true)
                : new Citation(entries[i], EntrySummary.Describe(entries[i].Kind, entries[i].Payload.Span), proofs[i]))
            .ToList();
        var origin = key?.Origin ?? Ledger.Checkpoints.LedgerPublicKey.DefaultOrigin(checkpoint.KeyId);
        var note = LedgerJson.Note(directory, key, checkpoint);
        return new ComplianceReport(catalogue, catalogue.HasLevels ? targetLevel : null, now, ledger, context.Plant, checkedLedger, origin, note, controls, citations);
    }

    /// <summary>The verification of the whole log as the report states it: of the log up to the report's checkpoint.</summary>
    /// <remarks>
    /// Every entry is still verified, the unsigned tail after the checkpoint too (a damaged tail fails the report), but
    /// the size, root and checkpoint count stated are the checkpoint's: the tail grows between two requests, and two
    /// reports at one checkpoint must be the same report (the rest of it stops at the checkpoint already).
    /// </remarks>
    private static LedgerVerificationResult AtCheckpoint(LedgerVerificationResult whole, Ledger.Checkpoints.Checkpoint checkpoint, int checkpointsUpToIt)
    {
        var reached = whole.TreeSize >= checkpoint.TreeSize;
        return whole with
        {
            TreeSize = reached ? checkpoint.TreeSize : whole.TreeSize,
            RootHash = reached ? checkpoint.RootHash : whole.RootHash,
            CheckpointsVerified = Math.Min(whole.CheckpointsVerified, checkpointsUpToIt),
            SignedSize = Math.Min(whole.SignedSize, checkpoint.TreeSize),
            WitnessedSize = Math.Min(whole.WitnessedSize, checkpoint.TreeSize),
        };
    }

    private static ControlResult Control(ControlEntry control, ComplianceContext context)
    {
        if (control.OutsideScope is { } why)
        {
            return new ControlResult(control, ControlStatus.OutsideScope, why, []);
        }

        var evidence = control.Evidence.Select(rule => new EvidenceResult(rule, Evaluate(rule, context))).ToList();
        var status = ControlStatuses.Combine(evidence.Select(e => e.Result.Status).ToList());

        // A rule with a minimum (min: N, or a self-test) is what the control cannot be without: no partial credit.
        if (evidence.Any(e => e.Rule.Min > 0 && e.Result.Status == ControlStatus.NotMet))
        {
            status = ControlStatus.NotMet;
        }

        var reason = status == ControlStatus.Met
            ? "all evidence holds"
            : string.Join("; ", evidence.Where(e => e.Result.Status != ControlStatus.Met).Select(e => e.Result.Summary));
        if (control.Partial && status == ControlStatus.Met)
        {
            (status, reason) = (ControlStatus.PartlyMet, "TwinGuard's part holds; the rest is outside it (see the gap)");
        }

        return new ControlResult(control, status, reason, evidence);
    }

    private static FactResult Evaluate(EvidenceRule rule, ComplianceContext context) => rule.Kind switch
    {
        EvidenceKind.Fact => ComplianceFacts.Evaluate(rule.Fact!, context),
        EvidenceKind.SelfTest => SelfTest(rule, context),
        _ => LedgerQuery(rule, context.Ledger),
    };

    private static FactResult LedgerQuery(EvidenceRule rule, LedgerEvidence ledger)
    {
        var tallies = rule.Reasons.Count > 0
            ? rule.Reasons.Select(ledger.Reason).Concat(rule.EntryKinds.Where(k => k != LedgerEntryKind.Finding).Select(ledger.Kind)).ToList()
            : rule.EntryKinds.Select(ledger.Kind).ToList();
        var count = tallies.Sum(t => t.Count);
        var newest = tallies.SelectMany(t => t.Newest).Order().TakeLast(EntryTally.Cited).ToArray();
        var what = string.Join(", ", rule.EntryKinds.Select(LedgerJson.KindName)) + (rule.Reasons.Count > 0 ? $" ({string.Join(", ", rule.Reasons)})" : string.Empty);
        var values = new Dictionary<string, string> { ["count"] = count.ToString(CultureInfo.InvariantCulture) };
        foreach (var reason in rule.Reasons)
        {
            values[reason] = ledger.Reason(reason).Count.ToString(CultureInfo.InvariantCulture);
        }

        return new FactResult(count >= rule.Min ? ControlStatus.Met : ControlStatus.NotMet,
            string.Create(CultureInfo.InvariantCulture, $"{count} {what} entr{(count == 1 ? "y" : "ies")} in the period: {rule.What}")
            + (count < rule.Min ? string.Create(CultureInfo.InvariantCulture, $" (at least {rule.Min} needed)") : string.Empty),
            values, newest);
    }

    private static FactResult SelfTest(EvidenceRule rule, ComplianceContext context)
    {
        var tests = context.Ledger.SelfTests;
        if (tests.Count == 0)
        {
            return FactResult.Of(ControlStatus.NotMet, "no self-test recorded: run `twinguard simulate --data-dir DIR` (the scenario library) against this site's data directory");
        }

        var invocation = tests[^1].Invocation;
        var runs = tests.Where(t => t.Invocation == invocation).ToList();
        var end = context.Ledger.Period.To ?? context.Now;
        var age = end - runs[^1].Time;
        var attacks = runs.Where(r => !r.NormalOnly).ToList();
        var detected = attacks.Count(r => r.Detected);
        var falseAlarms = runs.Sum(r => r.FalseAlarms);
        var values = new Dictionary<string, string>
        {
            ["runs"] = runs.Count.ToString(CultureInfo.InvariantCulture),
            ["scenarios"] = string.Join(", ", runs.Select(r => r.Scenario).Distinct()),
            ["detected"] = $"{detected} of {attacks.Count}",
            ["falseAlarms"] = falseAlarms.ToString(CultureInfo.InvariantCulture),
            ["recorded"] = runs[^1].Time.ToString("O", CultureInfo.InvariantCulture),
        };
        var cited = runs.TakeLast(MaxSelfTestCitations).Select(r => r.Index).ToArray();
        if (age > rule.MaxAge)
        {
            return new FactResult(ControlStatus.NotMet, $"the newest self-test is {age.TotalDays:0} days old (at most {rule.MaxAge.TotalDays:0} allowed)", values, cited);
        }

        var status = detected == attacks.Count && falseAlarms == 0 ? ControlStatus.Met
            : detected > 0 || (attacks.Count == 0 && falseAlarms == 0) ? ControlStatus.PartlyMet
            : ControlStatus.NotMet;
        return new FactResult(status,
            string.Create(CultureInfo.InvariantCulture, $"self-test of {runs[^1].Time:yyyy-MM-dd}: {detected} of {attacks.Count} attack scenario run(s) detected, {falseAlarms} false alarm(s)"),
            values, cited);
    }
}
