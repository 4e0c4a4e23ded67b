using TwinGuard.Ledger;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Whether the site keeps what it is told: the ledger writes, SQLite stores. Behind <c>/health</c> (503 when not) and
/// the <c>twinguard_healthy</c> family of <c>/metrics</c>; every change is logged, a ledger that cannot write as a
/// critical alarm. A ledger signer that lies (a signature of another key) is a critical finding as well: it feeds
/// correlation and playbooks like any other.
/// </summary>
internal sealed partial class SiteHealth
{
    private readonly LedgerWriter _ledger;
    private readonly RecordStage _record;
    private readonly ILogger _logger;
    private readonly PlantModelReloader _plant;

    public SiteHealth(LedgerWriter ledger, RecordStage record, SequenceStore sequences, EvidenceSink evidence, PlantModelReloader plant, ILogger<SiteHealth> logger)
    {
        _plant = plant;
        ledger.SignerDistrusted += reason =>
        {
            LogSignerDistrusted(logger, ledger.Directory, reason);
            var reasonCode = ReasonCode.LedgerSignerDistrusted;
            evidence.Raise(new Finding(evidence.Time.GetUtcNow(), reasonCode, reasonCode.DefaultSeverity(), null, null, null, null, 0,
                $"ledger {ledger.Directory}: {reason}"));
        };
        sequences.FlushFailed += ex => LogSequencesFailed(logger, ex, sequences.FlushFailures);
        (_ledger, _record, _logger) = (ledger, record, logger);
        ledger.WritableChanged += error =>
        {
            if (error is null)
            {
                LogLedgerRecovered(_logger, ledger.Directory, ledger.DurableCount);
            }
            else
            {
                LogLedgerStalled(_logger, ledger.Directory, error);
            }
        };
        record.WriteFailed += (ex, lost) => LogStoreFailed(_logger, ex, lost, record.WriteFailures);
    }

    /// <summary>What is wrong now, one line each; empty when healthy.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (_ledger.WriteError is { } error)
        {
            problems.Add($"ledger cannot write ({error}): QoS 1/2 publishes are refused");
        }

        if (_ledger.SigningStopped is { } reason)
        {
            problems.Add($"ledger no longer signs checkpoints: {reason}");
        }

        return problems;
    }

    /// <summary>
    /// What is wrong but does not stop the site keeping what it acknowledges, one line each: <c>/health</c> stays 200
    /// with status "degraded" (a supervisor must not restart a site into the problem, e.g. an invalid plant model file).
    /// </summary>
    public IReadOnlyList<string> Warnings() =>
        _plant.Failure is { } failure ? [$"the plant model file on disk is not in force, the previous model keeps running: {failure}"] : [];

    /// <summary>The health families for <c>/metrics</c>.</summary>
    public void WriteMetrics(MetricsText text)
    {
        text.Family("twinguard_healthy", "gauge", "1 when the site keeps what it acknowledges (as /health says), 0 when not.")
            .Sample("twinguard_healthy", Problems().Count == 0 ? 1 : 0)
            .Family("twinguard_ledger_writable", "gauge", "1 while the ledger writes to disk, 0 while writes fail (disk full, I/O error).")
            .Sample("twinguard_ledger_writable", _ledger.WriteError is null ? 1 : 0)
            .Family("twinguard_ledger_signing", "gauge", "1 while the ledger signs checkpoints, 0 once its signer returned a signature that does not verify.")
            .Sample("twinguard_ledger_signing", _ledger.SigningStopped is null ? 1 : 0)
            .Family("twinguard_ledger_write_failures_total", "counter", "Ledger disk writes that failed, each retry counted.")
            .Sample("twinguard_ledger_write_failures_total", _ledger.WriteFailures)
            .Family("twinguard_ledger_entries_durable", "gauge", "Ledger entries on disk.")
            .Sample("twinguard_ledger_entries_durable", _ledger.DurableCount)
            .Family("twinguard_store_write_failures_total", "counter", "SQLite transactions of the site database that failed.")
            .Sample("twinguard_store_write_failures_total", _record.WriteFailures)
            .Family("twinguard_plant_model_file_valid", "gauge", "1 when the plant model file on disk is the model in force, 0 when a reload refused it.")
            .Sample("twinguard_plant_model_file_valid", _plant.Failure is null ? 1 : 0)
            .Family("twinguard_plant_model_generation", "gauge", "0 for the plant model loaded at start, one more per reload applied.")
            .Sample("twinguard_plant_model_generation", _plant.Generation)
            .Family("twinguard_plant_model_reloads_refused_total", "counter", "Plant model reloads refused (invalid file, or a section only a restart can change).")
            .Sample("twinguard_plant_model_reloads_refused_total", _plant.Failures);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "ALARM: the ledger in {Directory} cannot write ({Error}); publishes are not acknowledged until it can")]
    private static partial void LogLedgerStalled(ILogger logger, string directory, string error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ALARM: the signer of the ledger in {Directory} lied: {Reason}")]
    private static partial void LogSignerDistrusted(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger in {Directory} writes again ({Durable} entries on disk); a checkpoint covers them")]
    private static partial void LogLedgerRecovered(ILogger logger, string directory, long durable);

    [LoggerMessage(Level = LogLevel.Error, Message = "The last sequence numbers could not be saved ({Failures} failures so far); they stay in memory for the next try")]
    private static partial void LogSequencesFailed(ILogger logger, Exception exception, long failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "A site database transaction failed ({Lost} refusals lost with it, {Failures} failures so far); its findings and incidents are in the ledger")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int lost, long failures);
}
