using Microsoft.Data.Sqlite;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Inbox;

/// <summary>
/// What another process forwarded to this site over an at-least-once link, kept once by <c>(sender, id)</c> in a SQLite
/// table: the edges' messages (<c>edges.db</c>) and the peers' (<c>peers.db</c>). A repeat (the sender re-sending after
/// a lost acknowledgement) is recognised and not delivered again.
/// </summary>
/// <remarks>
/// Bounded per sender: the ids are the sender's own, so a sender (a compromised edge or peer) could otherwise grow the
/// table without limit by never repeating one. Past <see cref="MaxPerSender"/> rows of one sender the oldest go, in
/// batches of a sixteenth; a repeat of an evicted id would be kept again. That is no loss of the once guarantee for an
/// honest sender: its uplink sends in order with one message in flight and advances only on the acknowledgement, so
/// what it repeats is always its newest unacknowledged message, never one this far back. The sender is the name the
/// broker authenticated (a device of the plant model), so the senders themselves are bounded by the model.
/// </remarks>
public sealed class OnceInbox : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly string _table;
    private readonly string _sender;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _rows = new(StringComparer.Ordinal);
    private long _evicted;

    /// <summary>Opens (creating) the table <paramref name="table"/> of <paramref name="path"/>, its senders in column <paramref name="senderColumn"/>.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="table">The table (a name of this code's, never input): <c>edge_messages</c>, <c>peer_messages</c>.</param>
    /// <param name="senderColumn">The column naming the sender: <c>edge</c>, <c>peer</c>.</param>
    /// <param name="maxPerSender">Most rows kept per sender.</param>
    /// <param name="time">The clock of <c>received</c>.</param>
    public OnceInbox(string path, string table, string senderColumn, int maxPerSender, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerSender, 1);
        _table = table;
        _sender = senderColumn;
        _time = time;
        MaxPerSender = maxPerSender;
        _db = SqliteCommands.Open(path, SqliteOpenMode.ReadWriteCreate);
        // The table's form is the one edges.db and peers.db always had, so existing data directories open unchanged.
        _db.Execute($"""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS {table} (
                {senderColumn} TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, received INTEGER NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY ({senderColumn}, id)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS {table}_by_arrival ON {table} ({senderColumn}, received);
            """);
    }

    /// <summary>Most rows kept per sender; the oldest beyond it are evicted.</summary>
    public int MaxPerSender { get; }

    /// <summary>Rows evicted since start to stay within <see cref="MaxPerSender"/>.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Keeps a message unless <paramref name="sender"/> already sent <paramref name="id"/>.</summary>
    /// <returns>True when kept now: deliver it; false for a repeat: acknowledge it without delivering it again.</returns>
    public bool TryKeep(string sender, string id, string kind, string body)
    {
        lock (_gate)
        {
            var rows = RowsOf(sender);
            var added = _db.Execute(
                $"INSERT OR IGNORE INTO {_table} ({_sender}, id, kind, received, body) VALUES ($sender, $id, $kind, $received, $body)",
                ("$sender", sender), ("$id", id), ("$kind", kind), ("$received", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("$body", body));
            if (added == 0)
            {
                return false;
            }

            rows++;
            if (rows > MaxPerSender + Math.Max(1, MaxPerSender / 16))
            {
                // Evicted in batches, so the cost of the ordered delete is shared by a sixteenth of the bound's inserts.
                var evicted = _db.Execute(
                    $"DELETE FROM {_table} WHERE ({_sender}, id) IN (SELECT {_sender}, id FROM {_table} WHERE {_sender} = $sender ORDER BY received LIMIT $n)",
                    ("$sender", sender), ("$n", rows - MaxPerSender));
                rows -= evicted;
                Interlocked.Add(ref _evicted, evicted);
            }

            _rows[sender] = rows;
            return true;
        }
    }

    /// <summary>Forgets a message kept but not delivered, so that the sender's retry of the same id is delivered then.</summary>
    public void Forget(string sender, string id)
    {
        lock (_gate)
        {
            var rows = RowsOf(sender);
            _rows[sender] = rows - _db.Execute($"DELETE FROM {_table} WHERE {_sender} = $sender AND id = $id", ("$sender", sender), ("$id", id));
        }
    }

    /// <summary>How many messages of <paramref name="kind"/> are kept from <paramref name="sender"/>.</summary>
    public long Count(string sender, string kind)
    {
        lock (_gate)
        {
            return _db.Query($"SELECT count(*) FROM {_table} WHERE {_sender} = $sender AND kind = $kind", r => r.GetInt64(0), ("$sender", sender), ("$kind", kind))[0];
        }
    }

    /// <summary>The bodies of the messages of <paramref name="kind"/> kept from every sender (or one), oldest first.</summary>
    public IReadOnlyList<(string Sender, string Body)> Bodies(string kind, string? sender = null)
    {
        lock (_gate)
        {
            return _db.Query(
                $"SELECT {_sender}, body FROM {_table} WHERE kind = $kind AND ($sender IS NULL OR {_sender} = $sender) ORDER BY received",
                r => (r.GetString(0), r.GetString(1)), ("$kind", kind), ("$sender", (object?)sender ?? DBNull.Value));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    /// <summary>Rows of one sender, counted once from the table and then kept in step (the caller holds the gate).</summary>
    private long RowsOf(string sender)
    {
        if (!_rows.TryGetValue(sender, out var rows))
        {
            rows = _db.Query($"SELECT count(*) FROM {_table} WHERE {_sender} = $sender", r => r.GetInt64(0), ("$sender", sender))[0];
            _rows[sender] = rows;
        }

        return rows;
    }
}
