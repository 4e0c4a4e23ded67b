using System.Globalization;
using System.Text;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Respond;

/// <summary>ArcSight Common Event Format (CEF) rev. 25 lines for incidents.</summary>
/// <remarks>
/// <c>CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension</c>.
/// Header fields escape <c>\</c> and <c>|</c>; extension values escape <c>\</c>, <c>=</c> and line breaks (CEF
/// "Character Encoding"). Severity is 0..10.
/// </remarks>
public static class CefFormatter
{
    /// <summary>Product version in the CEF header.</summary>
    public const string Version = "1.0";

    /// <summary>The CEF line of an alert.</summary>
    public static string Format(IncidentAlert alert)
    {
        var incident = alert.Context.Incident;
        var builder = new StringBuilder("CEF:0|TwinGuard|TwinGuard|").Append(Version).Append('|');
        builder.Append(Header(incident.Reasons.Count > 0 ? incident.Reasons[0].Name() : incident.Rule)).Append('|');
        builder.Append(Header(incident.Title)).Append('|');
        builder.Append(Severity(incident.Severity).ToString(CultureInfo.InvariantCulture)).Append('|');
        Extension(builder, "rt", incident.Opened.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Extension(builder, "externalId", incident.Id.ToString(CultureInfo.InvariantCulture));
        Extension(builder, "cat", incident.Rule);
        Extension(builder, "dvchost", alert.Site);
        Extension(builder, "cs1Label", "scope");
        Extension(builder, "cs1", incident.Scope);
        Extension(builder, "cs2Label", "playbook");
        Extension(builder, "cs2", alert.Playbook);
        Extension(builder, "cs3Label", "reasons");
        Extension(builder, "cs3", string.Join(",", incident.Reasons.Select(r => r.Name())));
        var techniques = AttackMapping.Default.For(incident.Reasons);
        if (techniques.Count > 0)
        {
            // No CEF key for ATT&CK: custom strings with labels, as SIEM content packs for ICS expect them.
            Extension(builder, "cs5Label", "mitreAttackTechniques");
            Extension(builder, "cs5", string.Join(",", techniques.Select(t => t.Id)));
            Extension(builder, "cs6Label", "mitreAttackTactics");
            Extension(builder, "cs6", string.Join(",", techniques.SelectMany(t => t.Tactics).Select(t => t.Name).Distinct()));
        }

        if (incident.AssetId is { } asset)
        {
            Extension(builder, "cs4Label", "asset");
            Extension(builder, "cs4", asset);
        }

        if (incident.CampaignId is { } campaign)
        {
            Extension(builder, "cn1Label", "campaign");
            Extension(builder, "cn1", campaign.ToString(CultureInfo.InvariantCulture));
        }

        if (incident.Stages.Count > 1)
        {
            // One incident, several stages: which one this line announces, and the whole chain with each stage's techniques.
            Extension(builder, "cn2Label", "stage");
            Extension(builder, "cn2", incident.Stage.ToString(CultureInfo.InvariantCulture));
            Extension(builder, "flexString1Label", "attackChain");
            Extension(builder, "flexString1", Chain(incident.Stages));
        }

        if (incident.DeviceId is { } device)
        {
            Extension(builder, "suser", device);
        }

        if (alert.Context.Addresses.Count > 0)
        {
            Extension(builder, "src", NftRules.Normalize(alert.Context.Addresses[0]).Text);
        }

        Extension(builder, "act", string.Join("; ", alert.Actions.Select(a => $"{a.Action} {a.Target} {ResponseStore.Name(a.Outcome)}")));
        Extension(builder, "msg", incident.Title);
        return builder.ToString().TrimEnd();
    }

    /// <summary>An incident's stages in one line: <c>1 source:probe T0846,T0886 &gt; 2 source:loop-plc T0859 &gt; ...</c>.</summary>
    public static string Chain(IReadOnlyList<Correlate.IncidentStage> stages) =>
        string.Join(" > ", stages.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Number} {s.Scope} {string.Join(",", s.Attack.Select(t => t.Id))}{(s.Occurrences > 1 ? $" x{s.Occurrences}" : string.Empty)}")));

    /// <summary>The CEF line of a forwarded finding (<c>externalId</c> is the finding's id: receivers drop repeats).</summary>
    public static string Format(ForwardedFinding forwarded)
    {
        var f = forwarded.Finding;
        var builder = new StringBuilder("CEF:0|TwinGuard|TwinGuard|").Append(Version).Append('|');
        builder.Append(Header(f.Reason.Name())).Append('|');
        builder.Append(Header(f.Message)).Append('|');
        builder.Append(Severity(f.Severity).ToString(CultureInfo.InvariantCulture)).Append('|');
        Extension(builder, "rt", f.Time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Extension(builder, "externalId", forwarded.Id.ToString(CultureInfo.InvariantCulture));
        Extension(builder, "cat", "finding");
        Extension(builder, "dvchost", forwarded.Site);
        if (f.AssetId is { } asset)
        {
            Extension(builder, "cs4Label", "asset");
            Extension(builder, "cs4", f.SignalId is { } signal ? $"{asset}.{signal}" : asset);
        }

        var techniques = AttackMapping.Default.For(f.Reason);
        if (techniques.Count > 0)
        {
            Extension(builder, "cs5Label", "mitreAttackTechniques");
            Extension(builder, "cs5", string.Join(",", techniques.Select(t => t.Id)));
            Extension(builder, "cs6Label", "mitreAttackTactics");
            Extension(builder, "cs6", string.Join(",", techniques.SelectMany(t => t.Tactics).Select(t => t.Name).Distinct()));
        }

        if (f.DeviceId is { } device)
        {
            Extension(builder, "suser", device);
        }

        Extension(builder, "msg", f.Explanation is { } why ? $"{f.Message}; {why}" : f.Message);
        return builder.ToString().TrimEnd();
    }

    /// <summary>CEF severity: info 1, low 3, medium 5, high 8, critical 10.</summary>
    public static int Severity(Severity severity) => severity switch
    {
        Findings.Severity.Info => 1,
        Findings.Severity.Low => 3,
        Findings.Severity.Medium => 5,
        Findings.Severity.High => 8,
        _ => 10,
    };

    /// <summary>Escapes a header field.</summary>
    public static string Header(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>Escapes an extension value.</summary>
    public static string Value(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
            .Replace("\r\n", "\\n", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static void Extension(StringBuilder builder, string key, string value) => builder.Append(key).Append('=').Append(Value(value)).Append(' ');
}
