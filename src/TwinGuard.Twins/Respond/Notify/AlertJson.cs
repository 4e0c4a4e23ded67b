using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>The JSON forms of an alert: the webhook body and the ECS document (docs/playbooks.md shows both).</summary>
public static class AlertJson
{
    /// <summary>The ECS version the documents follow.</summary>
    public const string EcsVersion = "8.11.0";

    /// <summary>snake_case names and enums as snake_case text.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The incident, its findings and actions as one JSON object.</summary>
    public static JsonObject Incident(IncidentAlert alert)
    {
        var i = alert.Context.Incident;
        return new JsonObject
        {
            ["id"] = i.Id,
            ["opened"] = i.Opened,
            ["scope"] = i.Scope,
            ["asset"] = i.AssetId,
            ["device"] = i.DeviceId,
            ["severity"] = Name(i.Severity),
            ["title"] = i.Title,
            ["rule"] = i.Rule,
            ["reasons"] = new JsonArray(i.Reasons.Select(r => (JsonNode)JsonValue.Create(r.Name())).ToArray()),
            ["attack"] = new JsonArray(AttackMapping.Default.For(i.Reasons).Select(t => (JsonNode)JsonValue.Create(t.Id)).ToArray()),
            ["campaign"] = i.CampaignId,
            ["stage"] = i.Stage,
            ["stages"] = Stages(i.Stages),
            ["addresses"] = new JsonArray(alert.Context.Addresses.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["findings"] = JsonSerializer.SerializeToNode(alert.Context.Findings.Select(Finding).ToList(), Options),
            ["actions"] = JsonSerializer.SerializeToNode(alert.Actions.Select(Action).ToList(), Options),
        };
    }

    /// <summary>An incident's timeline of stages: each stage's number, time, scope, device, rule, reasons, ATT&amp;CK ids and link.</summary>
    public static JsonArray Stages(IReadOnlyList<Correlate.IncidentStage> stages) =>
        new(stages.Select(s => (JsonNode)new JsonObject
        {
            ["stage"] = s.Number,
            ["time"] = s.Time,
            ["scope"] = s.Scope,
            ["asset"] = s.AssetId,
            ["device"] = s.DeviceId,
            ["severity"] = Name(s.Severity),
            ["rule"] = s.Rule,
            ["title"] = s.Title,
            ["reasons"] = new JsonArray(s.Reasons.Select(r => (JsonNode)JsonValue.Create(r.Name())).ToArray()),
            ["attack"] = new JsonArray(s.Attack.Select(t => (JsonNode)JsonValue.Create(t.Id)).ToArray()),
            ["link"] = s.Link,
            ["occurrences"] = s.Occurrences,
            ["lastSeen"] = s.LastSeen,
        }).ToArray());

    /// <summary>ECS <c>threat.*</c> fields: the framework, and the techniques and tactics as parallel arrays.</summary>
    public static JsonObject Threat(IReadOnlyList<AttackTechnique> techniques)
    {
        var tactics = techniques.SelectMany(t => t.Tactics).DistinctBy(t => t.Id).ToList();
        return new JsonObject
        {
            ["framework"] = "MITRE ATT&CK for ICS",
            ["technique"] = new JsonObject
            {
                ["id"] = new JsonArray(techniques.Select(t => (JsonNode)JsonValue.Create(t.Id)).ToArray()),
                ["name"] = new JsonArray(techniques.Select(t => (JsonNode)JsonValue.Create(t.Name)).ToArray()),
                ["reference"] = new JsonArray(techniques.Select(t => (JsonNode)JsonValue.Create($"https://attack.mitre.org/techniques/{t.Id}/")).ToArray()),
            },
            ["tactic"] = new JsonObject
            {
                ["id"] = new JsonArray(tactics.Select(t => (JsonNode)JsonValue.Create(t.Id)).ToArray()),
                ["name"] = new JsonArray(tactics.Select(t => (JsonNode)JsonValue.Create(t.Name)).ToArray()),
            },
        };
    }

    /// <summary>The webhook body.</summary>
    public static string WebhookBody(IncidentAlert alert) => new JsonObject
    {
        ["type"] = "twinguard.incident",
        ["site"] = alert.Site,
        ["time"] = alert.Time,
        ["playbook"] = alert.Playbook,
        ["incident"] = Incident(alert),
    }.ToJsonString();

    /// <summary>One ECS document (one line of the ECS file).</summary>
    public static string Ecs(IncidentAlert alert)
    {
        var i = alert.Context.Incident;
        var doc = new JsonObject
        {
            ["@timestamp"] = alert.Time,
            ["ecs"] = new JsonObject { ["version"] = EcsVersion },
            ["message"] = i.Title,
            ["event"] = new JsonObject
            {
                ["kind"] = "alert",
                ["category"] = new JsonArray("intrusion_detection"),
                ["type"] = new JsonArray("info"),
                ["action"] = i.Stage > 1 ? "incident-stage" : "incident-opened",
                ["id"] = i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["dataset"] = "twinguard.incident",
                ["module"] = "twinguard",
                ["severity"] = CefFormatter.Severity(i.Severity),
                ["start"] = i.Opened,
                ["reason"] = string.Join(",", i.Reasons.Select(r => r.Name())),
            },
            ["rule"] = new JsonObject { ["name"] = alert.Playbook, ["category"] = i.Rule },
            ["observer"] = new JsonObject { ["vendor"] = "TwinGuard", ["product"] = "TwinGuard", ["type"] = "ids" },
            ["labels"] = new JsonObject { ["site"] = alert.Site, ["scope"] = i.Scope },
            // The whole incident's techniques: every stage of the intrusion so far.
            ["threat"] = Threat(AttackMapping.Default.For(i.AllReasons)),
            ["twinguard"] = new JsonObject { ["incident"] = Incident(alert) },
        };
        if (i.DeviceId is { } device)
        {
            doc["user"] = new JsonObject { ["name"] = device };
        }

        if (i.AssetId is { } asset)
        {
            doc["labels"]!["asset"] = asset;
        }

        if (alert.Context.Addresses.Count > 0)
        {
            doc["source"] = new JsonObject { ["ip"] = NftRules.Normalize(alert.Context.Addresses[0]).Text };
        }

        return doc.ToJsonString();
    }

    /// <summary>The webhook body of a forwarded finding.</summary>
    public static string FindingWebhookBody(ForwardedFinding forwarded) => new JsonObject
    {
        ["type"] = "twinguard.finding",
        ["site"] = forwarded.Site,
        ["id"] = forwarded.Id,
        ["finding"] = FindingNode(forwarded.Finding),
    }.ToJsonString();

    /// <summary>One ECS document of a forwarded finding; <c>event.id</c> is the finding's id, the same on every retry.</summary>
    public static string EcsFinding(ForwardedFinding forwarded)
    {
        var f = forwarded.Finding;
        var doc = new JsonObject
        {
            ["@timestamp"] = f.Time,
            ["ecs"] = new JsonObject { ["version"] = EcsVersion },
            ["message"] = f.Message,
            ["event"] = new JsonObject
            {
                ["kind"] = "alert",
                ["category"] = new JsonArray("intrusion_detection"),
                ["type"] = new JsonArray("info"),
                ["action"] = f.Reason.Name(),
                ["id"] = forwarded.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["dataset"] = "twinguard.finding",
                ["module"] = "twinguard",
                ["severity"] = CefFormatter.Severity(f.Severity),
                ["reason"] = f.Reason.Name(),
            },
            ["observer"] = new JsonObject { ["vendor"] = "TwinGuard", ["product"] = "TwinGuard", ["type"] = "ids" },
            ["labels"] = new JsonObject { ["site"] = forwarded.Site },
            ["threat"] = Threat(AttackMapping.Default.For(f.Reason)),
            ["twinguard"] = new JsonObject { ["finding"] = FindingNode(f) },
        };
        if (f.DeviceId is { } device)
        {
            doc["user"] = new JsonObject { ["name"] = device };
        }

        if (f.AssetId is { } asset)
        {
            doc["labels"]!["asset"] = asset;
        }

        return doc.ToJsonString();
    }

    private static JsonNode? FindingNode(Finding f)
    {
        var node = JsonSerializer.SerializeToNode(Finding(f), Options)!;
        node["attack"] = new JsonArray(AttackMapping.Default.For(f.Reason).Select(t => (JsonNode)JsonValue.Create(t.Id)).ToArray());
        return node;
    }

    private static string Name(Severity severity) => severity.ToString().ToLowerInvariant();

    private static object Finding(Finding f) => new
    {
        f.Time,
        Reason = f.Reason.Name(),
        Severity = Name(f.Severity),
        Asset = f.AssetId,
        Signal = f.SignalId,
        Device = f.DeviceId,
        f.Value,
        f.Score,
        f.Message,
        f.Explanation,
        f.Occurrences,
    };

    private static object Action(ActionRecord a) => new
    {
        a.Id,
        a.Time,
        a.Playbook,
        a.Action,
        a.Target,
        Outcome = ResponseStore.Name(a.Outcome),
        a.By,
        a.Detail,
        ElapsedMs = Math.Round(a.Elapsed.TotalMilliseconds, 3),
    };
}
