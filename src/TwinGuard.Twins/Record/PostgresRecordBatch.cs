using Npgsql;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Record;

/// <summary>One PostgreSQL transaction of the record stage's writes, on a pooled connection it returns when disposed.</summary>
/// <remarks>
/// The statements are <see cref="PlantStore"/>'s in PostgreSQL's words (<c>GREATEST</c>, <c>strpos</c>). They are
/// gathered and sent as one <see cref="NpgsqlBatch"/> at <see cref="Commit"/>: one round trip per transaction, not one
/// per row (a batch of 220 rows sent statement by statement ran at about 700 rows/s on the loaded test machine).
/// The record stage bounds what one transaction holds.
/// </remarks>
internal sealed class PostgresRecordBatch(NpgsqlConnection connection, NpgsqlTransaction transaction) : IRecordBatch
{
    /// <summary>SQL: the severity <c>@s</c> (rank <c>@rank</c>) when it is higher than the row's, else the row's.</summary>
    private const string HigherSeverity =
        "CASE WHEN @rank > (CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END) THEN @s ELSE severity END";

    /// <summary>SQL: the row's reasons followed by those of <c>@re</c> it lacks, in order (the statements run at commit, so the row is read there).</summary>
    private const string MergedReasons =
        "(SELECT string_agg(x, ',' ORDER BY n) FROM (SELECT x, MIN(n) AS n FROM unnest(string_to_array(reasons || ',' || @re, ',')) WITH ORDINALITY AS u(x, n) WHERE x <> '' GROUP BY x) AS merged)";

    private readonly NpgsqlBatch _statements = new(connection, transaction);

    public void Insert(Finding f, long id, long ledgerEntry) =>
        Execute("""
            INSERT INTO findings (id, time_ms, reason, severity, asset, signal, device, value, score, message, explanation, occurrences, last_ms, ledger_entry)
            VALUES (@id, @t, @r, @s, @a, @g, @d, @v, @sc, @m, @e, @o, @t, @le)
            """,
            ("@id", id), ("@t", f.Time.ToUnixTimeMilliseconds()), ("@r", f.Reason.Name()), ("@s", PlantStore.Name(f.Severity)), ("@a", f.AssetId), ("@g", f.SignalId),
            ("@d", f.DeviceId), ("@v", f.Value), ("@sc", f.Score), ("@m", f.Message), ("@e", f.Explanation), ("@o", f.Occurrences), ("@le", ledgerEntry));

    public void AddOccurrences(long findingId, int count, DateTimeOffset last) =>
        Execute("UPDATE findings SET occurrences = occurrences + @n, last_ms = @l WHERE id = @id", ("@n", count), ("@l", last.ToUnixTimeMilliseconds()), ("@id", findingId));

    public void OpenIncident(Incident incident, IReadOnlyList<long> findingIds, long ledgerEntry)
    {
        Execute("""
            INSERT INTO incidents (id, opened_ms, updated_ms, scope, asset, device, severity, title, rule, reasons, finding_count, ledger_entry, campaign_id)
            VALUES (@id, @o, @o, @sc, @a, @d, @s, @t, @r, @re, @n, @le, @c)
            """,
            ("@id", incident.Id), ("@o", incident.Opened.ToUnixTimeMilliseconds()), ("@sc", incident.Scope), ("@a", incident.AssetId), ("@d", incident.DeviceId),
            ("@s", PlantStore.Name(incident.Severity)), ("@t", incident.Title), ("@r", incident.Rule),
            ("@re", string.Join(',', incident.Reasons.Select(r => r.Name()))), ("@n", findingIds.Count), ("@le", ledgerEntry), ("@c", incident.CampaignId));
        Execute("UPDATE findings SET incident_id = @i WHERE id = ANY(@f)", ("@i", incident.Id), ("@f", findingIds.ToArray()));
        foreach (var stage in incident.Stages)
        {
            InsertStage(incident.Id, stage, findingIds.Count, ledgerEntry);
        }
    }

    public void CloseIncident(long incidentId, DateTimeOffset time, string status) =>
        Execute("UPDATE incidents SET status = @st, updated_ms = GREATEST(updated_ms, @u) WHERE id = @i AND status = 'open'",
            ("@st", status), ("@u", time.ToUnixTimeMilliseconds()), ("@i", incidentId));

    public void JoinIncident(long incidentId, long findingId, Finding finding)
    {
        Execute("UPDATE findings SET incident_id = @i WHERE id = @f", ("@i", incidentId), ("@f", findingId));
        Execute("""
            UPDATE incidents SET updated_ms = @u, finding_count = finding_count + 1,
              severity = CASE WHEN @rank > (CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END) THEN @s ELSE severity END,
              reasons = CASE WHEN strpos(',' || reasons || ',', ',' || @r || ',') > 0 THEN reasons ELSE reasons || ',' || @r END
            WHERE id = @i
            """,
            ("@u", finding.Time.ToUnixTimeMilliseconds()), ("@rank", (int)finding.Severity), ("@s", PlantStore.Name(finding.Severity)),
            ("@r", finding.Reason.Name()), ("@i", incidentId));
    }

    /// <summary>An escalation: the incident keeps the highest severity and every reason of all its stages, the stage its own.</summary>
    public void UpdateIncident(Incident incident, DateTimeOffset updated)
    {
        Execute($"""
            UPDATE incidents SET updated_ms = GREATEST(updated_ms, @u), severity = {HigherSeverity}, reasons = {MergedReasons},
              device = COALESCE(device, @d) WHERE id = @i
            """,
            ("@u", updated.ToUnixTimeMilliseconds()), ("@rank", (int)incident.Severity), ("@s", PlantStore.Name(incident.Severity)),
            ("@re", Reasons(incident.Reasons)), ("@d", incident.DeviceId), ("@i", incident.Id));
        Execute("UPDATE incident_stages SET severity = @s, reasons = @re WHERE incident_id = @i AND stage = @n",
            ("@s", PlantStore.Name(incident.Severity)), ("@re", Reasons(incident.Reasons)), ("@i", incident.Id), ("@n", incident.Stage));
    }

    public void AttachStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds, long ledgerEntry)
    {
        InsertStage(incidentId, stage, findingIds.Count, ledgerEntry);
        Execute("UPDATE findings SET incident_id = @i WHERE id = ANY(@f)", ("@i", incidentId), ("@f", findingIds.ToArray()));
        Execute($"""
            UPDATE incidents SET updated_ms = GREATEST(updated_ms, @u), finding_count = finding_count + @n, severity = {HigherSeverity},
              reasons = {MergedReasons} WHERE id = @i
            """,
            ("@u", stage.Time.ToUnixTimeMilliseconds()), ("@n", findingIds.Count), ("@rank", (int)stage.Severity), ("@s", PlantStore.Name(stage.Severity)),
            ("@re", Reasons(stage.Reasons)), ("@i", incidentId));
    }

    public void RepeatStage(long incidentId, IncidentStage stage, IReadOnlyList<long> findingIds)
    {
        Execute("UPDATE incident_stages SET occurrences = @o, last_seen_ms = @l, finding_count = finding_count + @n WHERE incident_id = @i AND stage = @s",
            ("@o", stage.Occurrences), ("@l", stage.LastSeen.ToUnixTimeMilliseconds()), ("@n", findingIds.Count), ("@i", incidentId), ("@s", stage.Number));
        Execute("UPDATE findings SET incident_id = @i WHERE id = ANY(@f)", ("@i", incidentId), ("@f", findingIds.ToArray()));
        Execute("UPDATE incidents SET updated_ms = GREATEST(updated_ms, @u), finding_count = finding_count + @n WHERE id = @i",
            ("@u", stage.LastSeen.ToUnixTimeMilliseconds()), ("@n", findingIds.Count), ("@i", incidentId));
    }

    public void Insert(Refusal r) =>
        Execute("""
            INSERT INTO refusals (time_ms, reason, device, client_id, remote, topic, asset, signal, detail, payload)
            VALUES (@t, @r, @d, @c, @re, @to, @a, @s, @de, @p)
            """,
            ("@t", r.Time.ToUnixTimeMilliseconds()), ("@r", r.Reason.Name()), ("@d", r.DeviceId), ("@c", r.ClientId), ("@re", r.RemoteEndpoint),
            ("@to", r.Topic), ("@a", r.AssetId), ("@s", r.SignalId), ("@de", r.Detail), ("@p", r.Payload.IsEmpty ? null : r.Payload.ToArray()));

    public void Commit()
    {
        if (_statements.BatchCommands.Count > 0)
        {
            _statements.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        _statements.Dispose();
        transaction.Dispose();
        connection.Dispose();
    }

    private static string Reasons(IEnumerable<ReasonCode> reasons) => string.Join(',', reasons.Select(r => r.Name()));

    private void InsertStage(long incidentId, IncidentStage stage, int findingCount, long ledgerEntry) =>
        Execute("""
            INSERT INTO incident_stages (incident_id, stage, time_ms, scope, asset, device, severity, rule, reasons, title, link, finding_count, ledger_entry)
            VALUES (@i, @n, @t, @sc, @a, @d, @s, @r, @re, @ti, @l, @c, @le) ON CONFLICT DO NOTHING
            """,
            ("@i", incidentId), ("@n", stage.Number), ("@t", stage.Time.ToUnixTimeMilliseconds()), ("@sc", stage.Scope), ("@a", stage.AssetId),
            ("@d", stage.DeviceId), ("@s", PlantStore.Name(stage.Severity)), ("@r", stage.Rule), ("@re", Reasons(stage.Reasons)),
            ("@ti", stage.Title), ("@l", stage.Link), ("@c", findingCount), ("@le", ledgerEntry));

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            statement.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }

        _statements.BatchCommands.Add(statement);
    }
}
