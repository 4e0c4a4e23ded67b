using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Keeps the evidence of the data directory within its <see cref="RetentionSettings"/>: refusals, findings and incident
/// reports, oldest first. Every removal is first recorded as one <c>retention</c> ledger entry (count, range, digest),
/// made durable, and only then carried out; the ledger itself is never pruned.
/// </summary>
/// <remarks>
/// Rows go in batches of <see cref="BatchRows"/>, one entry and one short transaction each, so the record stage is
/// never held up for long. A crash between an entry and its removal leaves the rows in place; the next run records and
/// removes them again (an entry may then describe rows that a later entry describes too, never rows that were kept).
/// </remarks>
public sealed partial class RetentionPruner(IRecordStore store, LedgerRecorder ledger, RetentionSettings settings, string dataDirectory, TimeProvider time)
{
    /// <summary>Rows removed per ledger entry and transaction.</summary>
    public const int BatchRows = 50_000;

    /// <summary>Where incident reports are (<c>DATA/reports</c>).</summary>
    public string ReportsDirectory { get; } = Path.Combine(dataDirectory, "reports");

    /// <summary>Applies the rules once; returns what was removed.</summary>
    public async Task<IReadOnlyList<PrunedRange>> PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var done = new List<PrunedRange>();
        foreach (var (table, rule) in new[] { ("refusals", settings.Refusals), ("findings", settings.Findings) })
        {
            if (rule.IsKeepAll)
            {
                continue;
            }

            var (cut, bounds) = store.RetentionCut(table, rule, now);
            while (cut > 0 && store.CollectPruned(table, cut, bounds, BatchRows) is { } range)
            {
                await RecordAsync(range, now, cancellationToken);
                store.DeletePruned(range);
                done.Add(range);
            }
        }

        if (!settings.Reports.IsKeepAll && CollectReports(now) is { } reports)
        {
            await RecordAsync(reports.Range, now, cancellationToken);
            foreach (var file in reports.Files)
            {
                File.Delete(file);
            }

            done.Add(reports.Range);
        }

        return done;
    }

    private async Task RecordAsync(PrunedRange range, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ledger.Ledger.WhenDurableAsync(ledger.RecordRetention(range, now)).WaitAsync(cancellationToken);

    /// <summary>
    /// The reports the rule removes: per incident (its <c>.md</c> and <c>.json</c> together), oldest incident first,
    /// never an open incident's. Aged by the files' modification time.
    /// </summary>
    private (PrunedRange Range, IReadOnlyList<string> Files)? CollectReports(DateTimeOffset now)
    {
        if (!Directory.Exists(ReportsDirectory))
        {
            return null;
        }

        var incidents = Directory.EnumerateFiles(ReportsDirectory)
            .Select(path => (Path: path, Match: ReportName().Match(Path.GetFileName(path))))
            .Where(f => f.Match.Success)
            .GroupBy(f => long.Parse(f.Match.Groups[1].ValueSpan, CultureInfo.InvariantCulture))
            .Select(g => (Id: g.Key, Files: g.Select(f => new FileInfo(f.Path)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList()))
            .OrderBy(i => i.Id)
            .ToList();
        var rule = settings.Reports;
        var bounds = new SortedSet<string>(StringComparer.Ordinal);
        var remove = new bool[incidents.Count];
        var kept = (Count: 0L, Bytes: 0L);
        for (var i = incidents.Count - 1; i >= 0; i--) // newest first: keep while within every bound
        {
            var (_, files) = incidents[i];
            var bytes = files.Sum(f => f.Length);
            var written = files.Max(f => new DateTimeOffset(f.LastWriteTimeUtc));
            string? bound = rule.MaxAge is { } age && written < now - age ? string.Create(CultureInfo.InvariantCulture, $"max_age {age.TotalDays:0.###}d")
                : rule.MaxRows is { } rows && kept.Count + 1 > rows ? string.Create(CultureInfo.InvariantCulture, $"max_rows {rows}")
                : rule.MaxBytes is { } max && kept.Bytes + bytes > max ? string.Create(CultureInfo.InvariantCulture, $"max_bytes {max}")
                : null;
            if (bound is null || store.Incident(incidents[i].Id) is { Status: "open" })
            {
                kept = (kept.Count + 1, kept.Bytes + bytes);
                continue;
            }

            bounds.Add(bound);
            remove[i] = true;
        }

        var removed = incidents.Where((_, i) => remove[i]).ToList();
        if (removed.Count == 0)
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in removed.SelectMany(i => i.Files))
        {
            // name TAB sha256(content) LF, per file in incident then name order
            hash.AppendData(Encoding.UTF8.GetBytes($"{file.Name}\t{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.FullName)))}\n"));
        }

        var times = removed.SelectMany(i => i.Files).Select(f => new DateTimeOffset(f.LastWriteTimeUtc)).ToList();
        var range = new PrunedRange("reports", [.. bounds], removed.Count, removed.Sum(i => i.Files.Sum(f => f.Length)),
            removed[0].Id, removed[^1].Id, times.Min(), times.Max(), Convert.ToHexStringLower(hash.GetHashAndReset()));
        return (range, removed.SelectMany(i => i.Files).Select(f => f.FullName).ToList());
    }

    [GeneratedRegex(@"^incident-([0-9]{1,18})\.(md|json)$", RegexOptions.CultureInvariant)]
    private static partial Regex ReportName();
}
