using Microsoft.Extensions.Time.Testing;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>
/// What the quarantine store, approvals and actions must do in each database they live in (a SQLite file, a real
/// PostgreSQL started by the fixture), with a fake clock for expiries and timeouts. A second store on the same database
/// stands for another silo of a cluster, or the CLI.
/// </summary>
public abstract class ResponseStoreContract : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
    private readonly List<ResponseStore> _opened = [];

    /// <summary>Prepares an empty database.</summary>
    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        return Task.CompletedTask;
    }

    /// <summary>A store on the database (each call another connection to the same rows).</summary>
    protected abstract ResponseStore OpenStore(TimeProvider time);

    /// <summary>The record store on the same database (its refusals table).</summary>
    protected abstract IRecordStore OpenRecords();

    [Fact]
    public void AddQuarantine_ThroughOneStore_HoldsInAnotherAndAfterReopening()
    {
        var silo0 = Open();
        var silo1 = Open();

        var (entry, _) = silo0.AddQuarantine(QuarantineKind.Source, "tank-gateway", 7, "playbook:p", "incident 7", null);
        var (again, added) = silo1.AddQuarantine(QuarantineKind.Source, "tank-gateway", 8, "playbook:p", "incident 8", null);
        silo0.Dispose();
        var restarted = Open();

        Assert.False(added);
        Assert.Equal(entry.Id, again.Id);
        Assert.Equal(entry with { Since = entry.Since }, Assert.Single(restarted.Quarantines()));
        Assert.True(silo1.Release(entry.Id, "alice", "done"));
        Assert.Empty(restarted.Quarantines());
        restarted.MarkLifted(entry.Id);
        Assert.NotNull(silo1.FindQuarantine(entry.Id)!.Lifted);
        Assert.Empty(silo1.ReleasedNotLifted());
    }

    [Fact]
    public void ClaimApproval_TwoStoresOnOneDatabase_OnlyOneTakesIt()
    {
        var silo0 = Open();
        var silo1 = Open();
        var (plan, context) = ApprovalPlan();
        var request = silo0.RequestApproval(context, plan.Playbooks[0], 1, "tank1");
        Assert.True(silo1.Decide(request.Id, approve: true, "alice", "go"));

        var due0 = Assert.Single(silo0.DueApprovals(_time.GetUtcNow())).Request;
        var due1 = Assert.Single(silo1.DueApprovals(_time.GetUtcNow())).Request;

        Assert.True(silo1.ClaimApproval(due1, "silo-1"));
        Assert.False(silo0.ClaimApproval(due0, "silo-0"));
        Assert.Empty(silo0.DueApprovals(_time.GetUtcNow()));
        Assert.Empty(silo0.DueApprovals(_time.GetUtcNow(), ApprovalClaims.DefaultLease, _ => false));
        silo1.CloseApproval(due1.Id, "executed", null);
        Assert.Equal("executed", silo0.FindApproval(request.Id)!.Status);
    }

    [Fact]
    public void ClaimApproval_OwnerDiesMidway_AnotherTakesItOverAfterTheLeaseOnce()
    {
        var (silo0, silo1, silo2) = (Open(), Open(), Open());
        var (plan, context) = ApprovalPlan();
        var request = silo0.RequestApproval(context, plan.Playbooks[0], 1, "tank1");
        Assert.True(silo1.Decide(request.Id, approve: true, "alice", "go"));
        Assert.True(silo0.ClaimApproval(Assert.Single(silo0.DueApprovals(_time.GetUtcNow())).Request, "silo-0"));
        var lease = TimeSpan.FromMinutes(5);

        // silo-0 dies while executing: its claim holds until the lease runs out.
        _time.Advance(lease - TimeSpan.FromSeconds(1));
        Assert.Empty(silo1.DueApprovals(_time.GetUtcNow(), lease, _ => false));
        Assert.Equal("executing", silo1.FindApproval(request.Id)!.Status);
        _time.Advance(TimeSpan.FromSeconds(1));
        var stale1 = Assert.Single(silo1.DueApprovals(_time.GetUtcNow(), lease, _ => false)).Request;
        var stale2 = Assert.Single(silo2.DueApprovals(_time.GetUtcNow(), lease, _ => false)).Request;
        Assert.Equal(("approved", "silo-0"), (stale1.Status, stale1.ClaimedBy));

        // Two silos see it stale; one takes it over, and then holds a fresh lease of its own.
        Assert.True(silo1.ClaimApproval(stale1, "silo-1"));
        Assert.False(silo2.ClaimApproval(stale2, "silo-2"));
        Assert.Empty(silo2.DueApprovals(_time.GetUtcNow(), lease, _ => false));
        Assert.Equal("silo-1", silo2.FindApproval(request.Id)!.ClaimedBy);
        silo1.CloseApproval(request.Id, "executed", null);
        Assert.Empty(silo2.DueApprovals(_time.GetUtcNow() + lease, lease, _ => false));
        Assert.Equal("executed", silo0.FindApproval(request.Id)!.Status);
    }

    [Fact]
    public void DueApprovals_OwnerDeclaredDead_IsDueAtOnceWithTheDecisionItWasClaimedIn()
    {
        var (silo0, silo1) = (Open(), Open());
        var (plan, context) = ApprovalPlan();
        var timedOut = silo0.RequestApproval(context, plan.Playbooks[0], 0, "tank-gateway");
        _time.Advance(TimeSpan.FromMinutes(11)); // past its deadline: the timeout policy (approve) decides
        Assert.True(silo0.ClaimApproval(Assert.Single(silo0.DueApprovals(_time.GetUtcNow())).Request, "silo-0"));

        Assert.Empty(silo1.DueApprovals(_time.GetUtcNow(), ApprovalClaims.DefaultLease, owner => owner == "silo-9"));
        var (stale, kept) = Assert.Single(silo1.DueApprovals(_time.GetUtcNow(), ApprovalClaims.DefaultLease, owner => owner == "silo-0"));

        Assert.Equal((timedOut.Id, "pending", "silo-0"), (stale.Id, stale.Status, stale.ClaimedBy));
        Assert.Equal(42, kept.Incident.Id);
        Assert.True(silo1.ClaimApproval(stale, "silo-1"));
    }

    [Fact]
    public void ApprovalCarriedOut_ActionRecordedForIt_IsTrueForThatApprovalOnly()
    {
        var (silo0, silo1) = (Open(), Open());
        var (plan, context) = ApprovalPlan();
        var done = silo0.RequestApproval(context, plan.Playbooks[0], 0, "tank-gateway");
        var other = silo0.RequestApproval(context, plan.Playbooks[0], 1, "tank1");

        silo0.Record(42, "p", "quarantine: source", "tank-gateway", ActionOutcome.Done, "alice (approval 1)", "held", TimeSpan.Zero, done.Id);
        silo0.Record(42, "p", "notify", "soc", ActionOutcome.Done, "playbook:p", "sent", TimeSpan.Zero);

        Assert.True(silo1.ApprovalCarriedOut(done.Id));
        Assert.False(silo1.ApprovalCarriedOut(other.Id));
    }

    [Fact]
    public void Record_ActionsOfOneIncidentAndAll_ReadBackInOrder()
    {
        var store = Open();
        var seen = new List<ActionRecord>();
        store.ActionRecorded += seen.Add;

        var first = store.Record(5, "p", "quarantine: source", "tank-gateway", ActionOutcome.Done, "playbook:p", "in force", TimeSpan.FromMilliseconds(1.5));
        store.Record(null, null, "release: source", "tank-gateway", ActionOutcome.Released, "alice", "done", TimeSpan.Zero);

        Assert.Equal(seen, Open().Actions());
        Assert.Equal([first], Open().Actions(incidentId: 5));
        Assert.Equal(TimeSpan.FromMilliseconds(1.5), Open().Actions(5)[0].Elapsed);
        Assert.Empty(Open().Actions(incidentId: 6));
    }

    [Fact]
    public void RecentRefusalEndpoints_RefusalsOfTheRecordStore_NewestDistinctOfTheSourceSince()
    {
        using var records = OpenRecords();
        var t = _time.GetUtcNow();
        using (var batch = records.BeginBatch())
        {
            foreach (var (seconds, device, remote) in new[] { (0, "rogue", "10.0.0.9:1"), (1, "rogue", "10.0.0.8:2"), (2, "rogue", "10.0.0.9:1"), (3, "other", "10.0.0.7:3"), (-60, "rogue", "10.0.0.6:4") })
            {
                batch.Insert(new Refusal(t.AddSeconds(seconds), ReasonCode.UnknownSource, device, device, remote, "plant/x", null, null, "unknown", ReadOnlyMemory<byte>.Empty));
            }

            batch.Commit();
        }

        Assert.Equal(["10.0.0.9:1", "10.0.0.8:2"], Open().RecentRefusalEndpoints("rogue", t));
    }

    [Fact]
    public void Suppressions_AndTunings_ReadBackThroughAnotherStore()
    {
        var store = Open();
        var s = store.AddSuppression(ReasonCode.OutOfRange, "tank1", "level", _time.GetUtcNow().AddHours(1), "alice", "known", 3);
        store.SetThresholdRaise("tank1", "level", 1.5, "alice", "noisy", 3);
        store.SetThresholdRaise("tank1", "level", 2.0, "bob", "noisier", 4);
        store.AddLearningExclusion(new LearningExclusion("tank1", 10, 20), "alice", "attack", 9);

        var other = Open();
        Assert.Equal([s], other.ActiveSuppressions());
        Assert.Equal([new SignalTuning("tank1", "level", 2.0)], other.ThresholdRaises());
        Assert.Equal([new LearningExclusion("tank1", 10, 20)], other.LearningExclusions());
        Assert.True(other.LiftSuppression(s.Id, "bob"));
        Assert.Empty(store.ActiveSuppressions());
        Assert.True(other.ResetThresholdRaise("tank1", "level"));
        Assert.Empty(store.ThresholdRaises());
    }

    [Fact]
    public void AddQuarantine_SameKindAndTargetTwice_KeepsOneActiveEntry()
    {
        var store = Open();

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
        var store = Open();
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
        var store = Open();
        store.AddQuarantine(QuarantineKind.Signal, "tank1/level", 3, "playbook:p", "out of range", _time.GetUtcNow().AddMinutes(30));

        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Empty(store.Expired(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("tank1/level", Assert.Single(store.Expired(_time.GetUtcNow())).Target);
    }

    [Fact]
    public void DueApprovals_PendingPastDeadlineOrDecided_AreDueAndKeepTheirContext()
    {
        var store = Open();
        var (plan, context) = ApprovalPlan();
        var incident = context.Incident;
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
        var store = Open();
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
        var restored = Assert.Single(Open().DueApprovals(_time.GetUtcNow())).Context.Incident;

        Assert.Equal(2, restored.Stage);
        Assert.Equal(
            stages.Select(s => (s.Number, s.Time, s.Scope, s.AssetId, s.DeviceId, s.Severity, s.Rule, string.Join(',', s.Reasons), s.Title, s.Link, s.Occurrences, s.LastSeen)),
            restored.Stages.Select(s => (s.Number, s.Time, s.Scope, s.AssetId, s.DeviceId, s.Severity, s.Rule, string.Join(',', s.Reasons), s.Title, s.Link, s.Occurrences, s.LastSeen)));
        // What the alert sent once the action runs carries: the whole chain, with the stages' techniques.
        Assert.Equal("1 source:loop-plc T0859 > 2 asset:tank1 T0832,T0856 x2", CefFormatter.Chain(restored.Stages));
        Assert.Equal([ReasonCode.UnexpectedAddress, ReasonCode.RelationViolated], restored.AllReasons);
    }

    private ResponseStore Open()
    {
        var store = OpenStore(_time);
        _opened.Add(store);
        return store;
    }

    private (ResponsePlan Plan, IncidentContext Context) ApprovalPlan()
    {
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
        return (plan, new IncidentContext(incident, [new Finding(_time.GetUtcNow(), ReasonCode.Flooding, Severity.High, "tank1", null, "tank-gateway", null, 0, "flood")], ["10.0.0.7:5000"]));
    }
}
