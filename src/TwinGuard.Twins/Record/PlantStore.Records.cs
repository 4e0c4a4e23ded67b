using Microsoft.Data.Sqlite;

namespace TwinGuard.Twins.Record;

/// <summary>The SQLite side of <see cref="IRecordStore"/>: ids from the <c>record_ids</c> counters, a batch as one transaction.</summary>
public sealed partial class PlantStore
{
    private readonly Lock _idsLock = new();
    private SqliteConnection? _ids;
    private bool _idsClosed;

    /// <inheritdoc />
    public string Description => $"sqlite {_path}";

    /// <inheritdoc />
    /// <remarks>
    /// On a connection of its own (the record stage's may be inside a batch on another thread), in a short write
    /// transaction: several processes writing the same file get distinct ids. The counter never falls behind the
    /// table's highest id (a database written before the counters existed continues after its rows).
    /// </remarks>
    public IReadOnlyList<long> ReserveIds(string table, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_idsLock)
        {
            // The record stage reserves the next block on a pool thread, which may run after the store was disposed.
            ObjectDisposedException.ThrowIf(_idsClosed, this);
            _ids ??= SqliteCommands.Open(_path, SqliteOpenMode.ReadWrite);
            var first = _ids.Query(
                $"UPDATE record_ids SET next = MAX(next, (SELECT COALESCE(MAX(id), 0) + 1 FROM {CheckTable(table)})) + $n WHERE name = $t RETURNING next - $n",
                r => r.GetInt64(0), ("$n", count), ("$t", table))[0];
            return [.. Enumerable.Range(0, count).Select(i => first + i)];
        }
    }

    /// <summary>Closes the id counters' connection; a reservation after it fails instead of opening it again.</summary>
    private void CloseIds()
    {
        lock (_idsLock)
        {
            _idsClosed = true;
            _ids?.Dispose();
        }
    }

    /// <inheritdoc />
    public IRecordBatch BeginBatch() => new SqliteRecordBatch(this, _connection.BeginTransaction());
}
