using System.Data.Common;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Respond;

/// <summary>Analysts' suppressions of benign recurring findings (<see cref="Suppression"/>): made, listed, lifted.</summary>
public sealed partial class ResponseStore
{
    private const string SuppressionColumns = "id, reason, asset, signal, expires_ms, actor, why, finding_id";

    /// <summary>Stores a new suppression and returns it with its id.</summary>
    public Suppression AddSuppression(ReasonCode reason, string assetId, string? signalId, DateTimeOffset expires, string by, string why, long findingId)
    {
        var id = _db.Query(
            """
            INSERT INTO suppressions (reason, asset, signal, expires_ms, actor, why, finding_id, created_ms)
            VALUES (@r, @a, @s, @e, @b, @w, @f, @c) RETURNING id
            """,
            r => r.GetInt64(0),
            ("@r", reason.Name()), ("@a", assetId), ("@s", signalId), ("@e", expires.ToUnixTimeMilliseconds()), ("@b", by), ("@w", why), ("@f", findingId),
            ("@c", _time.GetUtcNow().ToUnixTimeMilliseconds()))[0];
        return new Suppression(id, reason, assetId, signalId, expires, by, why, findingId);
    }

    /// <summary>Suppressions neither lifted nor expired, oldest first.</summary>
    public IReadOnlyList<Suppression> ActiveSuppressions() =>
        _db.Query(
            $"SELECT {SuppressionColumns} FROM suppressions WHERE lifted_ms IS NULL AND expires_ms > @n ORDER BY id",
            ReadSuppression,
            ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>Lifts a suppression in force; false when there is none with this id.</summary>
    public bool LiftSuppression(long id, string by) =>
        _db.Execute(
            "UPDATE suppressions SET lifted_ms = @n, lifted_by = @b WHERE id = @id AND lifted_ms IS NULL",
            ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@b", by), ("@id", id)) == 1;

    private static Suppression ReadSuppression(DbDataReader r) => new(
        r.GetInt64(0), ReasonCodes.TryParse(r.GetString(1), out var reason) ? reason : throw new InvalidDataException($"suppression {r.GetInt64(0)}: unknown reason '{r.GetString(1)}'"),
        r.GetString(2), Text(r, 3), Time(r.GetInt64(4)), r.GetString(5), r.GetString(6), r.GetInt64(7));
}
