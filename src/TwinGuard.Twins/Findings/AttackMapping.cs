using System.Text.RegularExpressions;
using TwinGuard.Twins.Plant;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Findings;

/// <summary>
/// Which MITRE ATT&amp;CK for ICS techniques (and through them, tactics) each <see cref="ReasonCode"/> is evidence of:
/// data in <c>Findings/attack-ics.yaml</c>, embedded. Findings and incidents carry them into the API, the dashboard,
/// reports and every SIEM format.
/// </summary>
/// <remarks>
/// The file must list every reason code (an empty list says on purpose that a reason is no adversary behaviour of its
/// own), so a new reason code cannot ship unmapped; it is checked when loaded, with file:line:column errors.
/// </remarks>
public sealed partial class AttackMapping
{
    /// <summary>The embedded resource holding the mapping.</summary>
    public const string ResourceName = "TwinGuard.Twins.Findings.attack-ics.yaml";

    private static readonly Lazy<AttackMapping> Embedded = new(() =>
    {
        using var stream = typeof(AttackMapping).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "attack-ics.yaml");
    });

    private readonly IReadOnlyList<AttackTechnique>[] _byReason;

    private AttackMapping(IReadOnlyList<AttackTechnique>[] byReason, IReadOnlyDictionary<string, AttackTechnique> techniques, IReadOnlyList<AttackTactic> tactics)
    {
        _byReason = byReason;
        Techniques = techniques;
        Tactics = tactics;
    }

    /// <summary>The mapping shipped with TwinGuard.</summary>
    public static AttackMapping Default => Embedded.Value;

    /// <summary>The tactics in the file's order, which is the kill chain's (ATT&amp;CK for ICS's matrix, initial access first).</summary>
    public IReadOnlyList<AttackTactic> Tactics { get; }

    /// <summary>Every technique of the mapping, by id.</summary>
    public IReadOnlyDictionary<string, AttackTechnique> Techniques { get; }

    /// <summary>The techniques a finding of this reason is evidence of, ordered by id (empty for none).</summary>
    public IReadOnlyList<AttackTechnique> For(ReasonCode reason) => (int)reason < _byReason.Length ? _byReason[(int)reason] : [];

    /// <summary>The distinct techniques of several reasons (an incident's), ordered by id.</summary>
    public IReadOnlyList<AttackTechnique> For(IEnumerable<ReasonCode> reasons) =>
        reasons.SelectMany(For).DistinctBy(t => t.Id).OrderBy(t => t.Id, StringComparer.Ordinal).ToList();

    /// <summary>The distinct tactics of several reasons, in ATT&amp;CK for ICS's matrix order of the file.</summary>
    public IReadOnlyList<AttackTactic> TacticsOf(IEnumerable<ReasonCode> reasons) =>
        For(reasons).SelectMany(t => t.Tactics).DistinctBy(t => t.Id).ToList();

    /// <summary>Parses and checks a mapping file.</summary>
    /// <exception cref="PlantModelException">The file is malformed, names an unknown tactic, technique or reason, or leaves a reason out.</exception>
    public static AttackMapping Parse(string yaml, string file)
    {
        var root = YamlField.LoadDocument(yaml, file);
        root.AllowOnly("tactics", "techniques", "reasons");

        var tactics = new Dictionary<string, AttackTactic>(StringComparer.Ordinal);
        var tacticsField = root.Required("tactics");
        foreach (var (key, value) in tacticsField.Mapping.Children)
        {
            var id = Key(tacticsField, key, TacticId());
            tactics[id] = new AttackTactic(id, new YamlField(file, $"tactics.{id}", value).String());
        }

        var techniques = new Dictionary<string, AttackTechnique>(StringComparer.Ordinal);
        var techniquesField = root.Required("techniques");
        foreach (var (key, value) in techniquesField.Mapping.Children)
        {
            var id = Key(techniquesField, key, TechniqueId());
            var entry = new YamlField(file, $"techniques.{id}", value);
            entry.AllowOnly("name", "tactics");
            var ofTechnique = entry.Required("tactics").Items()
                .Select(t => tactics.TryGetValue(t.String(), out var tactic) ? tactic : throw t.Error($"unknown tactic '{t.String()}'; declare it under tactics"))
                .ToList();
            techniques[id] = new AttackTechnique(id, entry.Required("name").String(), ofTechnique);
        }

        var all = Enum.GetValues<ReasonCode>();
        var byReason = new IReadOnlyList<AttackTechnique>[all.Length];
        var reasonsField = root.Required("reasons");
        foreach (var (key, value) in reasonsField.Mapping.Children)
        {
            var keyField = new YamlField(file, "reasons", key);
            var name = keyField.String();
            if (!ReasonCodes.TryParse(name, out var reason))
            {
                throw keyField.Error($"unknown reason code '{name}'");
            }

            byReason[(int)reason] = new YamlField(file, $"reasons.{name}", value).Items()
                .Select(t => techniques.TryGetValue(t.String(), out var technique) ? technique : throw t.Error($"unknown technique '{t.String()}'; declare it under techniques"))
                .OrderBy(t => t.Id, StringComparer.Ordinal)
                .ToList();
        }

        foreach (var reason in all.Where(r => byReason[(int)r] is null))
        {
            throw reasonsField.Error($"reason code '{reason.Name()}' is not mapped; list its techniques, or [] with a comment saying why none");
        }

        return new AttackMapping(byReason, techniques, [.. tactics.Values]);
    }

    private static string Key(YamlField parent, YamlNode key, Regex pattern)
    {
        var field = new YamlField(parent.File, parent.Path, key);
        var id = field.String();
        return pattern.IsMatch(id) ? id : throw field.Error($"'{id}' is not an id of the form {pattern}");
    }

    [GeneratedRegex(@"^TA\d{4}$")]
    private static partial Regex TacticId();

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex TechniqueId();
}
