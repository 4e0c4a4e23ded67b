using System.Text.Json;
using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>The one timeline of a multi-stage incident in every SIEM format and the incident report.</summary>
public sealed class IncidentStagesFormatTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private static IncidentAlert ThirdStage()
    {
        IncidentStage[] stages =
        [
            new(1, T0, "source:probe-7", null, "probe-7", Severity.High, "3-findings-in-30s", [ReasonCode.UnknownSource], "unknown_source on source:probe-7: probe", null),
            new(2, T0.AddMinutes(4), "source:loop-plc", null, "loop-plc", Severity.High, "stolen-credentials", [ReasonCode.UnexpectedAddress], "unexpected_address on source:loop-plc", "address 10.9.9.9")
            {
                // The thief came back twice from the same address: folded into its stage (StageLinker.FoldsInto).
                Occurrences = 3,
                LastSeen = T0.AddMinutes(8),
            },
            new(3, T0.AddMinutes(9), "asset:pump1", "pump1", "loop-plc", Severity.High, "3-findings-in-30s", [ReasonCode.RelationViolated], "relation_violated on asset:pump1", "device loop-plc"),
        ];
        var incident = new Incident(1, stages[2].Time, "asset:pump1", "pump1", "loop-plc", Severity.High, stages[2].Title, stages[2].Rule, [ReasonCode.RelationViolated])
        {
            Stage = 3,
            Stages = stages,
        };
        return new IncidentAlert("line1", new IncidentContext(incident, [], []), "tampered-process-values", [], T0.AddMinutes(10));
    }

    [Fact]
    public void Format_ThirdStageOfAnIncident_CefNamesTheStageAndTheWholeChainWithTechniques()
    {
        var line = CefFormatter.Format(ThirdStage());

        Assert.Contains("externalId=1 ", line, StringComparison.Ordinal);
        Assert.Contains("cn2Label=stage cn2=3 ", line, StringComparison.Ordinal);
        Assert.Contains("flexString1=1 source:probe-7 T0846,T0886 > 2 source:loop-plc T0859 x3 > 3 asset:pump1 T0832,T0856 ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Ecs_ThirdStageOfAnIncident_CarriesEveryStageAndTheTechniquesOfAll()
    {
        using var doc = JsonDocument.Parse(AlertJson.Ecs(ThirdStage()));
        var root = doc.RootElement;

        Assert.Equal("incident-stage", root.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal(["T0832", "T0846", "T0856", "T0859", "T0886"], root.GetProperty("threat").GetProperty("technique").GetProperty("id").EnumerateArray().Select(t => t.GetString()));
        var stages = root.GetProperty("twinguard").GetProperty("incident").GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], stages.Select(s => s.GetProperty("stage").GetInt32()));
        Assert.Equal(["T0859"], stages[1].GetProperty("attack").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("device loop-plc", stages[2].GetProperty("link").GetString());
        Assert.Equal([1, 3, 1], stages.Select(s => s.GetProperty("occurrences").GetInt32()));
        Assert.Equal(T0.AddMinutes(8), stages[1].GetProperty("lastSeen").GetDateTimeOffset());
    }

    [Fact]
    public void Markdown_ThirdStageOfAnIncident_ListsEveryStageInItsTableAndTimeline()
    {
        var md = IncidentReportWriter.Markdown(ThirdStage(), []);

        Assert.Contains("This report was written for stage 3 of 3.", md, StringComparison.Ordinal);
        Assert.Contains("| 2 | 2026-12-07 02:04:00.000 | 3 times, last 2026-12-07 02:08:00.000 | source:loop-plc | loop-plc | stolen-credentials | T0859 | address 10.9.9.9 |", md, StringComparison.Ordinal);
        Assert.Contains("incident 1 opened by rule 3-findings-in-30s on source:probe-7 [ATT&CK T0846, T0886]", md, StringComparison.Ordinal);
        Assert.Contains("stage 3 on asset:pump1 by rule 3-findings-in-30s, linked by device loop-plc [ATT&CK T0832, T0856]", md, StringComparison.Ordinal);
    }
}
