using System.Data.Common;
using static TwinGuard.Twins.Record.SqliteCommands;

namespace TwinGuard.Twins.Respond;

/// <summary>The quarantine store: every containment, active or released, never deleted.</summary>
public sealed partial class ResponseStore
{
    private const string QuarantineColumns =
        "id, kind, target, incident_id, since_ms, actor, reason, expires_ms, released_ms, released_by, release_why, lifted_ms";

    /// <summary>
    /// Stores a containment, unless the same one is already active (idempotent).
    /// </summary>
    /// <returns>The entry, and whether it is new.</returns>
    public (QuarantineEntry Entry, bool Added) AddQuarantine(QuarantineKind kind, string target, long? incidentId, string by, string reason, DateTimeOffset? expires)
    {
        if (FindActive(kind, target) is { } existing)
        {
            return (existing, false);
        }

        var now = _time.GetUtcNow();
        var id = _db.Scalar("""
            INSERT INTO quarantines (kind, target, incident_id, since_ms, actor, reason, expires_ms)
            VALUES (@k, @t, @i, @s, @b, @r, @e) RETURNING id
            """,
            ("@k", Name(kind)), ("@t", target), ("@i", incidentId), ("@s", now.ToUnixTimeMilliseconds()), ("@b", by), ("@r", reason),
            ("@e", expires?.ToUnixTimeMilliseconds()));
        return (new QuarantineEntry(id, kind, target, incidentId, now, by, reason, expires, null, null, null, null), true);
    }

    /// <summary>The active containment of this kind and target, or null.</summary>
    public QuarantineEntry? FindActive(QuarantineKind kind, string target) =>
        ReadQuarantines("WHERE kind = @k AND target = @t AND released_ms IS NULL", ("@k", Name(kind)), ("@t", target)).FirstOrDefault();

    /// <summary>One containment by id, or null.</summary>
    public QuarantineEntry? FindQuarantine(long id) => ReadQuarantines("WHERE id = @id", ("@id", id)).FirstOrDefault();

    /// <summary>Containments: active only, or all of them; oldest first.</summary>
    public IReadOnlyList<QuarantineEntry> Quarantines(bool includeReleased = false) =>
        ReadQuarantines(includeReleased ? string.Empty : "WHERE released_ms IS NULL");

    /// <summary>Released (by an operator, the CLI or expiry) but not yet lifted by serve.</summary>
    public IReadOnlyList<QuarantineEntry> ReleasedNotLifted() => ReadQuarantines("WHERE released_ms IS NOT NULL AND lifted_ms IS NULL");

    /// <summary>Active ones whose expiry has passed.</summary>
    public IReadOnlyList<QuarantineEntry> Expired(DateTimeOffset now) =>
        ReadQuarantines("WHERE released_ms IS NULL AND expires_ms IS NOT NULL AND expires_ms <= @n", ("@n", now.ToUnixTimeMilliseconds()));

    /// <summary>Asks for a release: who and why are required. False when it is unknown or already released.</summary>
    public bool Release(long id, string who, string why)
    {
        if (string.IsNullOrWhiteSpace(who) || string.IsNullOrWhiteSpace(why))
        {
            throw new ArgumentException("a release needs who and why");
        }

        return _db.Execute(
            "UPDATE quarantines SET released_ms = @n, released_by = @b, release_why = @w WHERE id = @id AND released_ms IS NULL",
            ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@b", who), ("@w", why), ("@id", id)) == 1;
    }

    /// <summary>Who releases a containment whose <c>expires</c> passed.</summary>
    public const string ExpiryActor = "expiry";

    /// <summary>Claims the lifting of a released containment: true for the one caller that marks it lifted.</summary>
    /// <remarks>Silos sharing the store each lift what they hold of it; the one whose mark took records the release.</remarks>
    public bool MarkLifted(long id) =>
        _db.Execute("UPDATE quarantines SET lifted_ms = @n WHERE id = @id AND lifted_ms IS NULL", ("@n", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)) == 1;

    /// <summary>Gives up a claim of <see cref="MarkLifted"/> whose lifting failed, so that it is tried and recorded again.</summary>
    public void UnmarkLifted(long id) => _db.Execute("UPDATE quarantines SET lifted_ms = NULL WHERE id = @id", ("@id", id));

    private List<QuarantineEntry> ReadQuarantines(string where, params (string Name, object? Value)[] parameters)
    {
        return _db.Query($"SELECT {QuarantineColumns} FROM quarantines {where} ORDER BY id", ReadQuarantine, parameters);
    }

    private static QuarantineEntry ReadQuarantine(DbDataReader r) => new(
        r.GetInt64(0), ParseKind(r.GetString(1)), r.GetString(2), NullableLong(r, 3), Time(r.GetInt64(4)), r.GetString(5), r.GetString(6),
        NullableTime(r, 7), NullableTime(r, 8), Text(r, 9), Text(r, 10), NullableTime(r, 11));
}
