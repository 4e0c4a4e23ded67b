using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TwinGuard.Server.Access;
using TwinGuard.Testing;
using TwinGuard.Twins.Detect;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Tests.Api;

/// <summary>
/// Verdicts that teach, through the API of a real serve host: a false_positive raises that signal's streaming thresholds
/// (bounded, recorded, reversible), re-baselines a drifting asset; a confirmed_attack keeps the incident's states from
/// ever being learned.
/// </summary>
public sealed class VerdictLearningTests
{
    [Fact]
    public async Task FalsePositive_OnOutlier_RaisesThatSignalsThresholds_BoundedRecordedAndReversible()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Operator, name: "ana").Token);
        var evidence = site.Services.GetRequiredService<EvidenceSink>();
        var tuning = site.Services.GetRequiredService<DetectorTuning>();
        var time = site.Services.GetRequiredService<TimeProvider>();
        var at = time.GetUtcNow();
        Finding On(string signal, ReasonCode reason, Severity severity, int minutes) =>
            new(at.AddMinutes(minutes), reason, severity, "conveyor1", signal, "conveyor-plc", 1.2, 7.5, $"{signal}: {reason}");

        evidence.Raise(On("belt_speed", ReasonCode.StatisticalOutlier, Severity.Medium, 0));
        var outlier = await StoredFindings.IdAsync(client, "statistical_outlier", "belt_speed");
        var first = await client.PostAsJsonAsync($"/api/findings/{outlier}/verdict", new { verdict = "false_positive", comment = "belt steps at shift change" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(DetectorTuning.Step, tuning.Of("conveyor1", "belt_speed"));
        Assert.Equal(1.0, tuning.Of("conveyor1", "motor_current"));

        // However many verdicts, never beyond the bound an attacker could aim for.
        for (var i = 0; i < 6; i++)
        {
            await client.PostAsJsonAsync($"/api/findings/{outlier}/verdict", new { verdict = "false_positive", comment = "again" });
        }

        Assert.Equal(DetectorTuning.MaxFactor, tuning.Of("conveyor1", "belt_speed"));
        var listed = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/tunings")).EnumerateArray().ToList());
        Assert.Equal(("conveyor1", "belt_speed", DetectorTuning.MaxFactor),
            (listed.GetProperty("assetId").GetString(), listed.GetProperty("signalId").GetString(), listed.GetProperty("factor").GetDouble()));

        // The poisoning guard: a critical outlier, a relation or the gate never tune anything.
        evidence.Raise(On("motor_current", ReasonCode.StatisticalOutlier, Severity.Critical, 1));
        evidence.Raise(On("motor_current", ReasonCode.RelationViolated, Severity.High, 2));
        var critical = await StoredFindings.IdAsync(client, "statistical_outlier", "motor_current");
        var relation = await StoredFindings.IdAsync(client, "relation_violated", "motor_current");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/findings/{critical}/verdict", new { verdict = "false_positive", comment = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/findings/{relation}/verdict", new { verdict = "false_positive", comment = "x" })).StatusCode);
        Assert.Equal(1.0, tuning.Of("conveyor1", "motor_current"));

        // Kept across a restart: in the response store, as the next serve restores it.
        using (var store = ResponseStore.Open(site.DataDirectory))
        {
            Assert.Equal([new SignalTuning("conveyor1", "belt_speed", DetectorTuning.MaxFactor)], store.ThresholdRaises());
            var raises = store.Actions().Where(a => a.Action == "raise threshold").ToList();
            Assert.Equal(7, raises.Count);
            Assert.All(raises, a => Assert.Equal(("conveyor1.belt_speed", true), (a.Target, a.By.StartsWith("ana ", StringComparison.Ordinal))));
            Assert.Contains("x1.25 -> x1.56", raises[1].Detail, StringComparison.Ordinal);
        }

        // Reversible by hand, with a reason; recorded too.
        var reset = await client.PostAsJsonAsync("/api/tunings/conveyor1/belt_speed/reset", new { reason = "belt replaced, steps gone" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(1.0, tuning.Of("conveyor1", "belt_speed"));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/tunings")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/tunings/conveyor1/belt_speed/reset", new { reason = "twice" })).StatusCode);
        using (var store = ResponseStore.Open(site.DataDirectory))
        {
            Assert.Empty(store.ThresholdRaises());
            Assert.Contains(store.Actions(), a => a.Action == "reset threshold" && a.Target == "conveyor1.belt_speed" && a.Detail.Contains("x2 -> x1", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task FalsePositive_OnMultivariateAnomaly_RaisesThatAssetsModelThreshold_BoundedRecordedAndReversible()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Operator, name: "ana").Token);
        var evidence = site.Services.GetRequiredService<EvidenceSink>();
        var tuning = site.Services.GetRequiredService<DetectorTuning>();
        var time = site.Services.GetRequiredService<TimeProvider>();
        evidence.Raise(new Finding(time.GetUtcNow(), ReasonCode.MultivariateAnomaly, Severity.Medium, "pump1", "flow", "loop-plc", 61, 0.8, "pump1: unusual combination of values, mostly flow"));
        var anomaly = await StoredFindings.IdAsync(client, "multivariate_anomaly", "flow");

        for (var i = 0; i < 5; i++)
        {
            var made = await client.PostAsJsonAsync($"/api/findings/{anomaly}/verdict", new { verdict = "false_positive", comment = "pump1 cleaning cycle" });
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            // The asset's model, not the signal's streaming detectors; never beyond its bound.
            Assert.Equal(Math.Min(Math.Pow(DetectorTuning.Step, i + 1), DetectorTuning.MultivariateMaxFactor), tuning.Of("pump1", DetectorTuning.Multivariate), 9);
        }

        Assert.Equal(1.0, tuning.Of("pump1", "flow"));
        var listed = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/tunings")).EnumerateArray().ToList());
        Assert.Equal(("pump1", DetectorTuning.Multivariate), (listed.GetProperty("assetId").GetString(), listed.GetProperty("signalId").GetString()));

        // The poisoning guard: a critical multivariate finding tunes nothing.
        evidence.Raise(new Finding(time.GetUtcNow(), ReasonCode.MultivariateAnomaly, Severity.Critical, "tank1", "level", "tank-gateway", 3, 0.99, "tank1: unusual"));
        var critical = await StoredFindings.IdAsync(client, "multivariate_anomaly", "level");
        await client.PostAsJsonAsync($"/api/findings/{critical}/verdict", new { verdict = "false_positive", comment = "x" });
        Assert.Equal(1.0, tuning.Of("tank1", DetectorTuning.Multivariate));

        using (var store = ResponseStore.Open(site.DataDirectory))
        {
            Assert.Equal([new SignalTuning("pump1", DetectorTuning.Multivariate, DetectorTuning.MultivariateMaxFactor)], store.ThresholdRaises());
            var raises = store.Actions().Where(a => a.Action == "raise threshold").ToList();
            Assert.Equal(5, raises.Count);
            Assert.All(raises, a => Assert.Equal("pump1.(multivariate)", a.Target));
            Assert.Contains("multivariate model threshold x1 -> x1.25 (at most x1.5)", raises[0].Detail, StringComparison.Ordinal);
        }

        // Reversible by hand through the same route as a signal's.
        var reset = await client.PostAsJsonAsync($"/api/tunings/pump1/{Uri.EscapeDataString(DetectorTuning.Multivariate)}/reset", new { reason = "cleaning cycle now scheduled apart" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(1.0, tuning.Of("pump1", DetectorTuning.Multivariate));
    }

    [Fact]
    public async Task FalsePositive_OnBaselineDrift_RebaselinesTheAssetsModel_AndRecordsIt()
    {
        await using var site = new TwinGuardSiteFactory();
        using var client = site.Client(site.CreateKey(ApiRole.Operator, name: "ana").Token);
        var evidence = site.Services.GetRequiredService<EvidenceSink>();
        var time = site.Services.GetRequiredService<TimeProvider>();
        evidence.Raise(new Finding(time.GetUtcNow(), ReasonCode.BaselineDrift, Severity.Medium, "pump1", null, null, null, 0.4, "retraining refused 3 times"));
        var drift = await StoredFindings.IdAsync(client, "baseline_drift", null);

        var made = await client.PostAsJsonAsync($"/api/findings/{drift}/verdict", new { verdict = "false_positive", comment = "new impeller, new normal" });

        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        using var store = ResponseStore.Open(site.DataDirectory);
        // The twin answered that it has a multivariate model and will learn the next warm-up window.
        var rebaseline = Assert.Single(store.Actions(), a => a.Action == "rebaseline");
        Assert.Equal(("pump1", true), (rebaseline.Target, rebaseline.By.StartsWith("ana ", StringComparison.Ordinal)));
        Assert.Contains("learns the next warm-up window", rebaseline.Detail, StringComparison.Ordinal);
        Assert.Contains("new impeller", rebaseline.Detail, StringComparison.Ordinal);
        Assert.Empty(store.ThresholdRaises());
    }

    [Fact]
    public async Task ConfirmedAttack_AfterARestart_ItsWindowIsStillNeverLearned()
    {
        var data = Directory.CreateTempSubdirectory("twinguard-restart-").FullName;
        try
        {
            LearningExclusion window;
            await using (var site = new TwinGuardSiteFactory(dataDirectory: data))
            {
                var (at, _, made) = await ConfirmAttackOnPump1Async(site, "spoofed flow");
                Assert.Equal(HttpStatusCode.Created, made.StatusCode);
                window = Assert.Single(site.Services.GetRequiredService<DetectorTuning>().ExcludedOf("pump1"));
                Assert.True(window.Covers(at.ToUnixTimeMilliseconds()), $"{window}");
            }

            // The next serve on the same data: the window is back before any reading arrives, where the twin reads it.
            await using (var restarted = new TwinGuardSiteFactory(dataDirectory: data))
            {
                _ = restarted.Services; // starts the host
                Assert.Equal([window], restarted.Services.GetRequiredService<DetectorTuning>().ExcludedOf("pump1"));
                Assert.Empty(restarted.Services.GetRequiredService<DetectorTuning>().ExcludedOf("tank1"));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            if (Directory.Exists(data + "-keys"))
            {
                Directory.Delete(data + "-keys", recursive: true);
            }
        }
    }

    [Fact]
    public async Task ConfirmedAttack_OnIncident_KeepsItsAssetsStatesFromBeingLearned_AndRecordsIt()
    {
        await using var site = new TwinGuardSiteFactory();

        var (_, incident, made) = await ConfirmAttackOnPump1Async(site, "spoofed flow, confirmed on site");

        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        using var store = ResponseStore.Open(site.DataDirectory);
        var excluded = Assert.Single(store.Actions(), a => a.Action == "exclude from learning");
        Assert.Equal(("pump1", true, (long?)incident), (excluded.Target, excluded.By.StartsWith("ana ", StringComparison.Ordinal), excluded.IncidentId));
        Assert.Contains($"incident {incident} confirmed as an attack", excluded.Detail, StringComparison.Ordinal);
        // No tuning from a confirmed attack.
        Assert.Empty(store.ThresholdRaises());
    }

    /// <summary>
    /// Raises a critical relation finding on pump1, waits for the incident it opens, and has operator "ana" confirm that
    /// incident as an attack. Returns when the finding was raised, the incident's id and the verdict's answer.
    /// </summary>
    private static async Task<(DateTimeOffset At, long Incident, HttpResponseMessage Verdict)> ConfirmAttackOnPump1Async(TwinGuardSiteFactory site, string comment)
    {
        using var client = site.Client(site.CreateKey(ApiRole.Operator, name: "ana").Token);
        var at = site.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        site.Services.GetRequiredService<EvidenceSink>().Raise(
            new Finding(at, ReasonCode.RelationViolated, Severity.Critical, "pump1", "flow", "loop-plc", 40, 9, "flow breaks its relation"));
        var finding = await Eventually.HoldsAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/findings").GetAwaiter().GetResult().EnumerateArray()
                .FirstOrDefault(f => f.GetProperty("incidentId").ValueKind == JsonValueKind.Number),
            f => f.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20), "a finding with its incident");
        var incident = finding.GetProperty("incidentId").GetInt64();
        var verdict = await client.PostAsJsonAsync($"/api/incidents/{incident}/verdict", new { verdict = "confirmed_attack", comment });
        return (at, incident, verdict);
    }
}
