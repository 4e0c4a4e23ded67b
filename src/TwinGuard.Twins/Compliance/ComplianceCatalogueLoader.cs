using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Ledger;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// Reads a control catalogue (<c>compliance/*.yaml</c>, format in docs/compliance.md) and refuses a wrong one with
/// <c>file:line:column: field: problem</c>, as the plant model loader does.
/// </summary>
/// <remarks>
/// Every entry must be mapped to evidence or say why it is outside TwinGuard's scope: an entry with neither is
/// refused, so no control can drop out of a report unnoticed.
/// </remarks>
public static class ComplianceCatalogueLoader
{
    /// <summary>The embedded catalogues' standard names, in the order reports list them.</summary>
    public static IReadOnlyList<string> Standards { get; } = ["iec62443-3-3", "nist-800-82", "iso27001"];

    private const string ResourcePrefix = "TwinGuard.Twins.Compliance.";

    private static readonly Dictionary<string, LedgerEntryKind> KindsByName =
        Enum.GetValues<LedgerEntryKind>().ToDictionary(LedgerJson.KindName, k => k, StringComparer.Ordinal);

    /// <summary>The embedded catalogue of <paramref name="standard"/>.</summary>
    /// <exception cref="ArgumentException">No catalogue has that name.</exception>
    public static ComplianceCatalogue Embedded(string standard)
    {
        if (!Standards.Contains(standard, StringComparer.Ordinal))
        {
            throw new ArgumentException($"no catalogue for '{standard}'; expected one of: {string.Join(", ", Standards)}", nameof(standard));
        }

        using var stream = typeof(ComplianceCatalogueLoader).Assembly.GetManifestResourceStream(ResourcePrefix + standard + ".yaml")
                           ?? throw new InvalidOperationException($"catalogue {standard} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), $"compliance/{standard}.yaml");
    }

    /// <summary>Parses a catalogue; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="PlantModelException">The catalogue is wrong; the message says where.</exception>
    public static ComplianceCatalogue Parse(string yaml, string file)
    {
        var root = YamlField.LoadDocument(yaml, file);
        root.AllowOnly("standard", "title", "levels", "controls");
        var standard = root.Required("standard").Identifier();
        var title = root.Required("title").String();
        var hasLevels = root.Optional("levels") is { } levels && Boolean(levels);
        var controls = new List<ControlEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in root.Required("controls").Items())
        {
            var entry = Entry(item, hasLevels);
            if (!seen.Add(entry.Id))
            {
                throw item.Required("id").Error($"'{entry.Id}' is listed twice");
            }

            // IEC 62443-3-3: a requirement enhancement (SR x.y RE n) extends its system requirement, listed before it.
            if (entry.Id.IndexOf(" RE ", StringComparison.Ordinal) is var re and > 0 && !seen.Contains(entry.Id[..re]))
            {
                throw item.Required("id").Error($"'{entry.Id}' enhances '{entry.Id[..re]}', which is not listed before it");
            }

            controls.Add(entry);
        }

        if (controls.Count == 0)
        {
            throw root.Required("controls").Error("expected at least one control");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));
        return new ComplianceCatalogue(standard, title, hasLevels, controls, sha);
    }

    private static ControlEntry Entry(YamlField item, bool hasLevels)
    {
        item.AllowOnly("id", "title", "sl", "evidence", "outside", "partial", "gap");
        var id = item.Required("id").String();
        var title = item.Required("title").String();
        int? level = null;
        if (hasLevels)
        {
            var sl = item.Required("sl");
            var n = sl.PositiveInteger();
            level = n <= 4 ? n : throw sl.Error($"expected a security level 1 to 4, found {n}");
        }
        else if (item.Optional("sl") is { } sl)
        {
            throw sl.Error("this catalogue has no security levels (set levels: true at the top)");
        }

        var outside = item.Optional("outside")?.String();
        var evidence = item.Optional("evidence") is { } list ? list.Items().Select(Rule).ToList() : [];
        if (outside is null && evidence.Count == 0)
        {
            throw item.Error($"'{id}' is mapped to no evidence and gives no reason for being outside TwinGuard's scope: add evidence: or outside:");
        }

        if (outside is not null && evidence.Count > 0)
        {
            throw item.Required("outside").Error($"'{id}' has evidence and is outside TwinGuard's scope: keep one");
        }

        var partial = item.Optional("partial") is { } p && Boolean(p);
        var gap = item.Optional("gap")?.String();
        if (partial && gap is null)
        {
            throw item.Required("partial").Error($"'{id}' is covered only in part: say in gap: what the operator must close elsewhere");
        }

        return new ControlEntry(id, title, level, evidence, outside, partial, gap, (int)item.Node.Start.Line);
    }

    private static EvidenceRule Rule(YamlField item)
    {
        var mapping = item.Mapping;
        if (mapping.Children.Count != 1)
        {
            throw item.Error("expected exactly one of fact:, ledger: or self-test:");
        }

        item.AllowOnly("fact", "ledger", "self-test");
        if (item.Optional("fact") is { } fact)
        {
            var name = fact.String();
            return ComplianceFacts.Names.Contains(name, StringComparer.Ordinal)
                ? new EvidenceRule(EvidenceKind.Fact, name, [], [], 0, null, TimeSpan.Zero)
                : throw fact.Error($"unknown fact '{name}'; expected one of: {string.Join(", ", ComplianceFacts.Names)}");
        }

        if (item.Optional("self-test") is { } selfTest)
        {
            if (selfTest.Node is YamlScalarNode)
            {
                return selfTest.String() == "simulate"
                    ? new EvidenceRule(EvidenceKind.SelfTest, null, [], [], 1, null, TimeSpan.FromDays(90))
                    : throw selfTest.Error("expected 'simulate' or a mapping with max_age:");
            }

            selfTest.AllowOnly("max_age");
            return new EvidenceRule(EvidenceKind.SelfTest, null, [], [], 1, null, selfTest.Required("max_age").Duration());
        }

        var ledger = item.Required("ledger");
        ledger.AllowOnly("kinds", "reasons", "min", "what");
        var kinds = new List<LedgerEntryKind>();
        foreach (var k in ledger.Required("kinds").Items())
        {
            var name = k.String();
            kinds.Add(KindsByName.TryGetValue(name, out var kind)
                ? kind
                : throw k.Error($"unknown ledger entry kind '{name}'; expected one of: {string.Join(", ", KindsByName.Keys)}"));
        }

        var reasons = new List<string>();
        if (ledger.Optional("reasons") is { } reasonList)
        {
            if (!kinds.Contains(LedgerEntryKind.Finding))
            {
                throw reasonList.Error("reasons: select findings, so kinds: must include finding");
            }

            foreach (var r in reasonList.Items())
            {
                var name = r.String();
                reasons.Add(ReasonCodes.TryParse(name, out _) ? name : throw r.Error($"unknown reason code '{name}'"));
            }
        }

        var min = 0;
        if (ledger.Optional("min") is { } minField)
        {
            var text = minField.Node is YamlScalarNode s ? s.Value : null;
            min = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : throw minField.Error("expected a whole number, 0 or more");
        }

        return new EvidenceRule(EvidenceKind.Ledger, null, kinds, reasons, min, ledger.Required("what").String(), TimeSpan.Zero);
    }

    private static bool Boolean(YamlField field) => field.Node is YamlScalarNode { Value: "true" or "false" } s
        ? s.Value == "true"
        : throw field.Error("expected true or false");
}
