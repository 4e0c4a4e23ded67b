using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Twins.Tests.Record;

/// <summary>
/// What every <see cref="IRecordStore"/> must do, run against each implementation (SQLite file, real PostgreSQL): the
/// same writes read back the same, ids are the store's, a batch is one transaction, retention works.
/// </summary>
public abstract class RecordStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<IRecordStore> _opened = [];

    /// <summary>A second store on the same database (another process or silo).</summary>
    protected abstract IRecordStore OpenAnother();

    protected abstract Task<IRecordStore> OpenNewAsync();

    protected IRecordStore Store { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Store = Keep(await OpenNewAsync());

    public virtual Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        return Task.CompletedTask;
    }

    [Fact]
    public void ReserveIds_TwoStoresOnOneDatabaseInterleaved_NeverTheSameIdTwice()
    {
        var other = Keep(OpenAnother());
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.AddRange(Store.ReserveIds("findings", 3));
            ids.AddRange(other.ReserveIds("findings", 4));
        }

        Assert.Equal(35, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id > 0));
        var (two, one) = (Store.ReserveIds("incidents", 2), Store.ReserveIds("incidents", 1));
        Assert.True(two[0] < two[1] && two[1] < one[0], "a store's ids increase");
    }

    [Fact]
    public void ReservedIds_BlocksReservedAheadWhileAnotherStoreReserves_IncreaseAndNeverRepeat()
    {
        var other = Keep(OpenAnother());
        var reserved = new ReservedIds(Store, "findings", 4);
        var (ours, theirs) = (new List<long>(), new List<long>());
        for (var i = 0; i < 40; i++)
        {
            ours.Add(reserved.Next());
            theirs.AddRange(other.ReserveIds("findings", 1));
        }

        Assert.Equal(ours.Order(), ours);
        Assert.Equal(ours.Count, ours.Distinct().Count());
        Assert.Empty(ours.Intersect(theirs));
    }

    [Fact]
    public void ReserveIds_AfterRowsWritten_ContinuesAboveThem()
    {
        var id = Store.ReserveIds("findings", 1)[0];
        Write(b => b.Insert(NewFinding(Start, "pump1", "flow"), id, 1));

        using var reopened = OpenAnother();
        Assert.True(reopened.ReserveIds("findings", 1)[0] > id);
    }

    [Fact]
    public void BeginBatch_FindingsIncidentAndRefusalsCommitted_ReadBackAlike()
    {
        var (f1, f2, f3) = (Next("findings"), Next("findings"), Next("findings"));
        var incidentId = Next("incidents");
        var flow = NewFinding(Start, "pump1", "flow", Severity.Medium);
        var speed = NewFinding(Start.AddSeconds(1), "pump1", "speed", Severity.Critical, ReasonCode.Frozen);
        var incident = new Incident(incidentId, Start, "asset:pump1", "pump1", null, Severity.Medium, "pump1 attacked", "2-findings", [ReasonCode.RelationViolated]);
        Write(b =>
        {
            b.Insert(flow, f1, 10);
            b.Insert(speed, f2, 11);
            b.Insert(NewFinding(Start.AddSeconds(2), "tank1", null), f3, 12);
            b.AddOccurrences(f1, 4, Start.AddSeconds(30));
            b.OpenIncident(incident, [f1], 13);
            b.JoinIncident(incidentId, f2, speed);
            b.Insert(NewRefusal(Start, "one"));
            b.Insert(NewRefusal(Start.AddSeconds(1), "two"));
        });

        var all = Store.Findings();
        Assert.Equal([f3, f2, f1], all.Select(f => f.Id));
        var first = Store.Finding(f1)!;
        Assert.Equal((5, Start.AddSeconds(30), incidentId, 10L, 1.5, "flow out of band"), (first.Occurrences, first.LastTime, first.IncidentId, first.LedgerEntry, first.Value, first.Message));
        Assert.Equal(("relation_violated", "medium", "pump1", "flow", "loop-plc"), (first.Reason, first.Severity, first.AssetId, first.SignalId, first.DeviceId));
        Assert.Equal([f2, f1], Store.Findings(incidentId: incidentId).Select(f => f.Id));
        Assert.Equal([f2, f1], Store.Findings(asset: "pump1").Select(f => f.Id));
        Assert.Equal([f3, f1], Store.Findings(signal: "flow").Select(f => f.Id)); // the whole asset's (null signal) included
        Assert.Equal([f3, f1], Store.Findings(since: Start.AddSeconds(1.5)).Select(f => f.Id)); // f1 last seen at +30 s
        Assert.Equal([f3], Store.Findings(limit: 1).Select(f => f.Id));
        Assert.Null(Store.Finding(f3 + 1000));

        var stored = Store.Incident(incidentId)!;
        Assert.Equal(("open", "critical", 2, 13L), (stored.Status, stored.Severity, stored.FindingCount, stored.LedgerEntry));
        Assert.Equal(["relation_violated", "frozen"], stored.Reasons);
        Assert.Equal([incidentId], Store.Incidents(asset: "pump1").Select(i => i.Id));
        Assert.Empty(Store.Incidents(asset: "tank1"));
        Assert.Equal([("tank-gateway", "unauthorised_topic", 2L)], Store.RefusalCounts());

        Write(b =>
        {
            b.UpdateIncident(incident with { Severity = Severity.High, DeviceId = "loop-plc", Reasons = [ReasonCode.RelationViolated, ReasonCode.PersistentShift] }, Start.AddSeconds(40));
            b.CloseIncident(incidentId, Start.AddSeconds(50), "closed");
        });
        var closed = Store.Incident(incidentId)!;
        // An escalation never lowers the incident's severity (it reached critical when the frozen speed joined) and adds reasons.
        Assert.Equal(("closed", "critical", "loop-plc", Start.AddSeconds(50)), (closed.Status, closed.Severity, closed.DeviceId, closed.Updated));
        Assert.Equal(["relation_violated", "frozen", "persistent_shift"], closed.Reasons);
    }

    [Fact]
    public void BeginBatch_StageAttached_TimelineAndIncidentHoldEveryStage()
    {
        var (f1, f2) = (Next("findings"), Next("findings"));
        var id = Next("incidents");
        var first = new IncidentStage(1, Start, "source:intruder", null, null, Severity.Medium, "unknown-device", [ReasonCode.UnknownSource], "probing", null);
        var incident = new Incident(id, Start, "source:intruder", null, null, Severity.Medium, "probing", "unknown-device", [ReasonCode.UnknownSource]) { Stages = [first] };
        var second = new IncidentStage(2, Start.AddMinutes(10), "asset:pump1", "pump1", "loop-plc", Severity.High, "2-findings", [ReasonCode.RelationViolated], "spoof on pump1", "device loop-plc");
        Write(b =>
        {
            b.Insert(NewFinding(Start, "pump1", null), f1, 1);
            b.OpenIncident(incident, [f1], 2);
        });
        Write(b =>
        {
            b.Insert(NewFinding(Start.AddMinutes(10), "pump1", "flow", Severity.High), f2, 3);
            b.AttachStage(id, second, [f2], 4);
            b.UpdateIncident(incident with { Stage = 2, Severity = Severity.Critical, Reasons = [ReasonCode.RelationViolated, ReasonCode.Frozen] }, Start.AddMinutes(11));
        });

        var stages = Store.Stages(id);
        Assert.Equal([1, 2], stages.Select(s => s.Number));
        Assert.Equal(("device loop-plc", "critical", 1), (stages[1].Link, stages[1].Severity, stages[1].FindingCount));
        Assert.Equal(["relation_violated", "frozen"], stages[1].Reasons);
        var stored = Store.Incident(id)!;
        Assert.Equal(("critical", 2), (stored.Severity, stored.FindingCount));
        Assert.Equal(["unknown_source", "relation_violated", "frozen"], stored.Reasons);
        Assert.Equal([f2, f1], Store.Findings(incidentId: id).Select(f => f.Id));
        Assert.Empty(Store.Stages(id + 1000));
    }

    [Fact]
    public void BeginBatch_StageRepeated_CountsOccurrencesAndLastSeenAndItsFindingsJoin()
    {
        var (f1, f2, f3) = (Next("findings"), Next("findings"), Next("findings"));
        var id = Next("incidents");
        var first = new IncidentStage(1, Start, "source:loop-plc", null, "loop-plc", Severity.High, "stolen-credentials", [ReasonCode.UnexpectedAddress], "thief", null);
        var second = new IncidentStage(2, Start.AddMinutes(5), "asset:pump1", "pump1", "loop-plc", Severity.High, "3-findings", [ReasonCode.RelationViolated], "spoof", "device loop-plc");
        Write(b =>
        {
            b.Insert(NewFinding(Start, "pump1", null), f1, 1);
            b.OpenIncident(new Incident(id, Start, "source:loop-plc", null, "loop-plc", Severity.High, "thief", "stolen-credentials", [ReasonCode.UnexpectedAddress]) { Stages = [first] }, [f1], 2);
        });
        Write(b =>
        {
            b.Insert(NewFinding(Start.AddMinutes(5), "pump1", "flow", Severity.High), f2, 3);
            b.AttachStage(id, second, [f2], 4);
        });
        Assert.Equal((1, second.Time), (Store.Stages(id)[1].Occurrences, Store.Stages(id)[1].LastSeen));

        Write(b =>
        {
            b.Insert(NewFinding(Start.AddMinutes(9), "pump1", "flow", Severity.High), f3, 5);
            b.RepeatStage(id, second with { Occurrences = 2, LastSeen = Start.AddMinutes(9) }, [f3]);
        });

        var stages = Store.Stages(id);
        Assert.Equal([1, 2], stages.Select(s => s.Number));
        Assert.Equal((2, Start.AddMinutes(9), 2), (stages[1].Occurrences, stages[1].LastSeen, stages[1].FindingCount));
        Assert.Equal((1, Start), (stages[0].Occurrences, stages[0].LastSeen));
        var stored = Store.Incident(id)!;
        Assert.Equal((3, Start.AddMinutes(9)), (stored.FindingCount, stored.Updated));
        Assert.Equal([f3, f2, f1], Store.Findings(incidentId: id).Select(f => f.Id));
    }

    [Fact]
    public void BeginBatch_Campaign_FirstStageThenItsContinuations()
    {
        var (a, b2, c) = (Next("incidents"), Next("incidents"), Next("incidents"));
        Write(b =>
        {
            b.OpenIncident(new Incident(a, Start, "asset:pump1", "pump1", null, Severity.High, "stage 1", "r", [ReasonCode.RelationViolated]), [], 1);
            b.OpenIncident(new Incident(b2, Start.AddMinutes(1), "asset:tank1", "tank1", null, Severity.High, "stage 2", "r", [ReasonCode.RelationViolated]) { CampaignId = a }, [], 2);
            b.OpenIncident(new Incident(c, Start.AddMinutes(2), "asset:valve1", "valve1", null, Severity.High, "other", "r", [ReasonCode.RelationViolated]), [], 3);
        });

        Assert.Equal([a, b2], Store.Campaign(a).Select(i => i.Id));
        Assert.Equal(a, Store.Incident(b2)!.CampaignId);
        Assert.Equal([c, b2, a], Store.Incidents().Select(i => i.Id));
    }

    [Fact]
    public void BeginBatch_DisposedWithoutCommit_NothingWritten()
    {
        var id = Next("findings");
        using (var batch = Store.BeginBatch())
        {
            batch.Insert(NewFinding(Start, "pump1", "flow"), id, 1);
            batch.Insert(NewRefusal(Start, "lost"));
        }

        Assert.Empty(Store.Findings());
        Assert.Empty(Store.RefusalCounts());
    }

    [Fact]
    public async Task RetentionPruner_RefusalsBeyondMaxRowsAndOldFindings_RemovedOldestFirstAndRecorded()
    {
        for (var day = 0; day < 10; day++)
        {
            var (d, id) = (day, Next("findings"));
            Write(b =>
            {
                b.Insert(NewRefusal(Start.AddDays(d), $"payload {d}"));
                b.Insert(NewFinding(Start.AddDays(d), "pump1", "flow"), id, d);
            });
        }

        var dir = Directory.CreateTempSubdirectory("twinguard-contract-").FullName;
        try
        {
            var time = new FakeTimeProvider(Start.AddDays(10));
            await using var ledger = LedgerWriter.Open(Path.Combine(dir, "ledger"), LedgerOptions.Default, time);
            var settings = new RetentionSettings(TimeSpan.FromHours(1), new RetentionRule(null, null, 4), new RetentionRule(TimeSpan.FromDays(7.5), null, null), RetentionRule.KeepAll);
            var removed = await new RetentionPruner(Store, new LedgerRecorder(ledger), settings, dir, time).PruneAsync();

            Assert.Equal([("refusals", 6L), ("findings", 3L)], removed.Select(r => (r.Kind, r.Count)));
            Assert.Equal(4, Store.RefusalCounts().Sum(c => c.Count));
            Assert.Equal(7, Store.Findings().Count);
            Assert.Equal((0L, 2L), removed[1].LedgerEntries);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The digest of the first <paramref name="count"/> refusals and findings written by <see cref="WriteDigestRows"/>.</summary>
    protected static (string Refusals, string Findings) Digests(IRecordStore store, int count)
    {
        var refusals = store.CollectPruned("refusals", long.MaxValue, ["test"], count)!;
        var findings = store.CollectPruned("findings", long.MaxValue, ["test"], count)!;
        return (refusals.Sha256, findings.Sha256);
    }

    /// <summary>Rows with every kind of column value (nulls, text with tabs and line feeds, fractions, payloads).</summary>
    protected static void WriteDigestRows(IRecordStore store)
    {
        var ids = store.ReserveIds("findings", 3); // before the batch: a SQLite batch holds the file's write lock
        using var batch = store.BeginBatch();
        batch.Insert(NewFinding(Start, "pump1", "flow"), ids[0], 7);
        batch.Insert(new Finding(Start.AddSeconds(1), ReasonCode.UnknownSource, Severity.Low, null, null, "laptop", null, 0.125, "tab\there\nand line"), ids[1], 8);
        batch.Insert(new Finding(Start.AddSeconds(2), ReasonCode.Frozen, Severity.High, "tank1", "level", null, 1e-7, 3.3333333333333335, "back\\slash") { Explanation = "why" }, ids[2], 9);
        batch.Insert(NewRefusal(Start, "binary \u0001\u00ff"));
        batch.Insert(new Refusal(Start.AddSeconds(1), ReasonCode.Malformed, null, null, "10.0.0.1:1", "plant/y", "pump1", "flow", "bad json", ReadOnlyMemory<byte>.Empty));
        batch.Commit();
    }

    protected IRecordStore Keep(IRecordStore store)
    {
        _opened.Add(store);
        return store;
    }

    private static Finding NewFinding(DateTimeOffset time, string asset, string? signal, Severity severity = Severity.Medium, ReasonCode reason = ReasonCode.RelationViolated) =>
        new(time, reason, severity, asset, signal, "loop-plc", 1.5, 2.25, $"{signal ?? asset} out of band");

    private static Refusal NewRefusal(DateTimeOffset time, string payload) =>
        new(time, ReasonCode.UnauthorisedTopic, "tank-gateway", "c1", "127.0.0.1:5000", "plant/x", null, null, "may not publish", Encoding.UTF8.GetBytes(payload));

    private long Next(string table) => Store.ReserveIds(table, 1)[0];

    private void Write(Action<IRecordBatch> write)
    {
        using var batch = Store.BeginBatch();
        write(batch);
        batch.Commit();
    }
}
