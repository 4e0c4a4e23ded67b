using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The quarantine store and approvals on a real SQLite file, with a fake clock for expiries and timeouts.</summary>
public sealed class ResponseStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-respond-store-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AddQuarantine_SameKindAndTargetTwice_KeepsOneActiveEntry()
    {
        using var store = ResponseStore.Open(_dir, _time);

        var (first, added) = store.AddQuarantine(QuarantineKind.Source, "tank-gateway", 7, "playbook:p", "incident 7", null);
        var (second, addedAgain) = store.AddQuarantine(QuarantineKind.Source, "tank-gateway", 8, "playbook:p", "incident 8", null);

        Assert.True(added);
        Assert.False(addedAgain);
        Assert.Equal(first.Id, second.Id);
        Assert.Single(store.Quarantines());
    }

    [Fact]
    public void Release_WithoutWhoOrWhy_IsRefusedAndNothingChanges()
    {
        using var store = ResponseStore.Open(_dir, _time);
        var (entry, _) = store.AddQuarantine(QuarantineKind.Asset, "tank1", null, "alice", "inspection", null);

        Assert.Throws<ArgumentException>(() => store.Release(entry.Id, "alice", " "));

        Assert.True(store.FindQuarantine(entry.Id)!.IsActive);
        Assert.True(store.Release(entry.Id, "alice", "done"));
        Assert.False(store.Release(entry.Id, "bob", "again"));
        Assert.Equal("alice", store.FindQuarantine(entry.Id)!.ReleasedBy);
        Assert.Single(store.ReleasedNotLifted());
    }

    [Fact]
    public void Expired_BeforeAndAfterTheExpiry_ListsTheEntryOnlyAfter()
    {
        using var store = ResponseStore.Open(_dir, _time);
        store.AddQuarantine(QuarantineKind.Signal, "tank1/level", 3, "playbook:p", "out of range", _time.GetUtcNow().AddMinutes(30));

        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Empty(store.Expired(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("tank1/level", Assert.Single(store.Expired(_time.GetUtcNow())).Target);
    }

    [Fact]
    public void DueApprovals_PendingPastDeadlineOrDecided_AreDueAndKeepTheirContext()
    {
        using var store = ResponseStore.Open(_dir, _time);
        var plan = PlaybookLoader.Parse("""
            playbooks:
              - id: p
                trigger: { scope: source }
                actions:
                  - quarantine: source
                    approval: { timeout: 10m, on_timeout: approve }
                  - read_only: asset
                    approval: { timeout: 1h }
            """, SamplePlant.Load());
        var incident = new Incident(42, _time.GetUtcNow(), "source:tank-gateway", "tank1", "tank-gateway", Severity.High, "title", "3-findings-in-30s", [ReasonCode.Flooding]);
        var context = new IncidentContext(incident, [new Finding(_time.GetUtcNow(), ReasonCode.Flooding, Severity.High, "tank1", null, "tank-gateway", null, 0, "flood")], ["10.0.0.7:5000"]);
        var quarantine = store.RequestApproval(context, plan.Playbooks[0], 0, "tank-gateway");
        var readOnly = store.RequestApproval(context, plan.Playbooks[0], 1, "tank1");

        Assert.Empty(store.DueApprovals(_time.GetUtcNow()));
        Assert.True(store.Decide(readOnly.Id, approve: false, "alice", "production must go on"));
        Assert.False(store.Decide(readOnly.Id, approve: true, "bob", "changed my mind"));
        var due = Assert.Single(store.DueApprovals(_time.GetUtcNow()));
        Assert.Equal(readOnly.Id, due.Request.Id);
        Assert.Equal("denied", due.Request.Status);

        _time.Advance(TimeSpan.FromMinutes(10));
        var both = store.DueApprovals(_time.GetUtcNow());
        Assert.Equal([quarantine.Id, readOnly.Id], both.Select(d => d.Request.Id));
        Assert.True(both[0].Request.ApproveOnTimeout);
        Assert.Equal(incident, both[0].Context.Incident with { Reasons = incident.Reasons, LedgerEntries = incident.LedgerEntries, Stages = incident.Stages });
        Assert.Equal(incident.LedgerEntries, both[0].Context.Incident.LedgerEntries);
        Assert.Equal(incident.Reasons, both[0].Context.Incident.Reasons);
        Assert.Equal(["tank1/-"], both[0].Context.Findings.Select(f => $"{f.AssetId}/{f.SignalId ?? "-"}"));
        Assert.Equal(["10.0.0.7:5000"], both[0].Context.Addresses);

        store.CloseApproval(quarantine.Id, "executed", "no decision: approved by the timeout policy");
        Assert.Equal("timeout", store.FindApproval(quarantine.Id)!.DecidedBy);
        Assert.Single(store.DueApprovals(_time.GetUtcNow()));
    }

    [Fact]
    public void DueApprovals_RequestForALaterStage_KeepsTheIncidentsStagesForTheAlertSentOnApproval()
    {
        using var store = ResponseStore.Open(_dir, _time);
        var plan = PlaybookLoader.Parse("""
            playbooks:
              - id: p
                trigger: { scope: asset }
                actions:
                  - quarantine: asset
                    approval: { timeout: 10m, on_timeout: approve }
            """, SamplePlant.Load());
        var t0 = _time.GetUtcNow();
        IncidentStage[] stages =
        [
            new(1, t0, "source:loop-plc", null, "loop-plc", Severity.High, "stolen-credentials", [ReasonCode.UnexpectedAddress], "unexpected_address on source:loop-plc", null),
            new(2, t0.AddMinutes(5), "asset:tank1", "tank1", "loop-plc", Severity.High, "3-findings-in-30s", [ReasonCode.RelationViolated], "relation_violated on asset:tank1", "device loop-plc")
            {
                Occurrences = 2,
                LastSeen = t0.AddMinutes(9),
            },
        ];
        var incident = new Incident(7, stages[1].Time, "asset:tank1", "tank1", "loop-plc", Severity.High, stages[1].Title, stages[1].Rule, [ReasonCode.RelationViolated])
        {
            Stage = 2,
            Stages = stages,
        };
        store.RequestApproval(new IncidentContext(incident, [], []), plan.Playbooks[0], 0, "tank1");

        _time.Advance(TimeSpan.FromMinutes(10));
        var restored = Assert.Single(store.DueApprovals(_time.GetUtcNow())).Context.Incident;

        Assert.Equal(2, restored.Stage);
        Assert.Equal(
            stages.Select(s => (s.Number, s.Time, s.Scope, s.AssetId, s.DeviceId, s.Severity, s.Rule, string.Join(',', s.Reasons), s.Title, s.Link, s.Occurrences, s.LastSeen)),
            restored.Stages.Select(s => (s.Number, s.Time, s.Scope, s.AssetId, s.DeviceId, s.Severity, s.Rule, string.Join(',', s.Reasons), s.Title, s.Link, s.Occurrences, s.LastSeen)));
        // What the alert sent once the action runs carries: the whole chain, with the stages' techniques.
        Assert.Equal("1 source:loop-plc T0859 > 2 asset:tank1 T0832,T0856 x2", CefFormatter.Chain(restored.Stages));
        Assert.Equal([ReasonCode.UnexpectedAddress, ReasonCode.RelationViolated], restored.AllReasons);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
