using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Twins.Plant;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Retention of the <c>refusals</c> and <c>findings</c> tables, the oldest rows first, in bounded batches: the one SQL
/// both stores run (SQLite and PostgreSQL accept it alike), so a range removed from either is described and hashed the
/// same way.
/// </summary>
internal static class RecordRetention
{
    // Findings of an open incident stay whatever their age: the incident is still being worked on.
    private const string PrunableFinding = "(incident_id IS NULL OR incident_id NOT IN (SELECT id FROM incidents WHERE status = 'open'))";

    /// <summary>Stored size of a row: its text and payload lengths (what a bound on bytes counts).</summary>
    private static string RowBytes(string table) => table == "refusals"
        ? "(COALESCE(length(payload), 0) + length(detail) + length(topic) + COALESCE(length(device), 0) + COALESCE(length(client_id), 0) + COALESCE(length(remote), 0) + 64)"
        : "(length(message) + COALESCE(length(explanation), 0) + COALESCE(length(device), 0) + COALESCE(length(asset), 0) + COALESCE(length(signal), 0) + 96)";

    /// <summary>See <see cref="IRecordStore.RetentionCut"/>. Rows are aged by id order (insertion order), so one cut covers every bound; the newest row is never removed.</summary>
    public static (long Cut, IReadOnlyList<string> Bounds) Cut(DbConnection connection, string table, RetentionRule rule, DateTimeOffset now)
    {
        CheckPrunable(table);
        var (cut, bounds) = (0L, new List<string>());
        void Take(long? id, string bound)
        {
            if (id is > 0)
            {
                cut = Math.Max(cut, id.Value);
                bounds.Add(bound);
            }
        }

        if (rule.MaxAge is { } age)
        {
            Take(DbCommands.Scalar(connection, $"SELECT MAX(id) FROM {table} WHERE time_ms < @t", ("@t", (now - age).ToUnixTimeMilliseconds())),
                string.Create(CultureInfo.InvariantCulture, $"max_age {age.TotalDays:0.###}d"));
        }

        if (rule.MaxRows is { } rows)
        {
            Take(DbCommands.Scalar(connection, $"SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET @n", ("@n", rows)),
                string.Create(CultureInfo.InvariantCulture, $"max_rows {rows}"));
        }

        if (rule.MaxBytes is { } bytes)
        {
            // The newest rows are kept while their running total stays within the bound.
            Take(DbCommands.Scalar(connection, $"SELECT MAX(id) FROM (SELECT id, SUM({RowBytes(table)}) OVER (ORDER BY id DESC) AS total FROM {table}) AS sized WHERE total > @b", ("@b", bytes)),
                string.Create(CultureInfo.InvariantCulture, $"max_bytes {bytes}"));
        }

        // The newest row always stays: an emptied table would say nothing of how far its ids had gone.
        return (Math.Min(cut, (DbCommands.Scalar(connection, $"SELECT MAX(id) FROM {table}") ?? 0) - 1), bounds);
    }

    /// <summary>See <see cref="IRecordStore.CollectPruned"/>: nothing is removed until <see cref="Delete"/>.</summary>
    public static PrunedRange? Collect(DbConnection connection, string table, long cut, IReadOnlyList<string> bounds, int batch)
    {
        CheckPrunable(table);
        var where = table == "findings" ? $"id <= @cut AND {PrunableFinding}" : "id <= @cut";
        var columns = table == "refusals"
            ? "id, time_ms, reason, device, client_id, remote, topic, asset, signal, detail, payload, NULL"
            : "id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, ledger_entry";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var (count, size, first, last, from, to, firstEntry, lastEntry) = (0L, 0L, 0L, 0L, long.MaxValue, long.MinValue, long.MaxValue, long.MinValue);
        using (var cmd = DbCommands.Command(connection, $"SELECT {columns}, {RowBytes(table)} FROM {table} WHERE {where} ORDER BY id LIMIT @n", ("@cut", cut), ("@n", (long)batch)))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var id = r.GetInt64(0);
                var time = r.GetInt64(1);
                (first, last, count) = (count == 0 ? id : first, id, count + 1);
                (from, to) = (Math.Min(from, time), Math.Max(to, time));
                size += Convert.ToInt64(r.GetValue(12), CultureInfo.InvariantCulture);
                hash.AppendData(Encoding.UTF8.GetBytes(CanonicalRow(table, r)));
                if (table == "findings" && !r.IsDBNull(11))
                {
                    (firstEntry, lastEntry) = (Math.Min(firstEntry, r.GetInt64(11)), Math.Max(lastEntry, r.GetInt64(11)));
                }
            }
        }

        return count == 0 ? null : new PrunedRange(table, bounds, count, size, first, last, Time(from), Time(to), Convert.ToHexStringLower(hash.GetHashAndReset()))
        {
            LedgerEntries = firstEntry <= lastEntry ? (firstEntry, lastEntry) : null,
        };
    }

    /// <summary>See <see cref="IRecordStore.DeletePruned"/>: one transaction.</summary>
    public static long Delete(DbConnection connection, PrunedRange range)
    {
        CheckPrunable(range.Kind);
        var where = range.Kind == "findings" ? $"id BETWEEN @a AND @b AND {PrunableFinding}" : "id BETWEEN @a AND @b";
        using var transaction = connection.BeginTransaction();
        using var cmd = DbCommands.Command(connection, $"DELETE FROM {range.Kind} WHERE {where}", ("@a", range.First), ("@b", range.Last));
        cmd.Transaction = transaction;
        var removed = cmd.ExecuteNonQuery();
        transaction.Commit();
        return removed;
    }

    /// <summary>
    /// One row as hashed: its columns in order, tab-separated, a NULL as <c>\N</c>, text with <c>\</c>, tab and line
    /// feed escaped, a refusal's payload as the hex SHA-256 of its bytes, one line feed after each row.
    /// </summary>
    private static string CanonicalRow(string table, DbDataReader r)
    {
        var b = new StringBuilder();
        var columns = table == "refusals" ? 11 : 12;
        for (var i = 0; i < columns; i++)
        {
            if (i > 0)
            {
                b.Append('\t');
            }

            if (r.IsDBNull(i))
            {
                b.Append("\\N");
            }
            else if (table == "refusals" && i == 10)
            {
                b.Append(Convert.ToHexStringLower(SHA256.HashData((byte[])r.GetValue(i))));
            }
            else
            {
                b.Append(Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)!.Replace("\\", "\\\\", StringComparison.Ordinal)
                    .Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
            }
        }

        return b.Append('\n').ToString();
    }

    private static void CheckPrunable(string table)
    {
        if (table is not ("refusals" or "findings"))
        {
            throw new ArgumentOutOfRangeException(nameof(table), table, "refusals or findings");
        }
    }
}
