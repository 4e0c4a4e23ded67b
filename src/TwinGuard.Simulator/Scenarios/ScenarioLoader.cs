using System.Globalization;
using System.Text;
using TwinGuard.Simulator.Physics;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Simulator.Scenarios;

/// <summary>
/// Reads scenario files (docs/scenarios.md). A file that cannot be run is refused with
/// <c>FILE:LINE:COLUMN: FIELD: problem</c>, like the plant model.
/// </summary>
public static class ScenarioLoader
{
    private static readonly string[] TopLevel = ["id", "description", "run", "attack", "expect", "stages"];
    private static readonly string[] StageFields = ["attack", "expect"];
    private static readonly string[] RunFields = ["duration", "plant"];
    private static readonly string[] AttackFields = ["kind", "device", "asset", "signals", "start", "duration", "intensity", "intensities"];
    private static readonly string[] ExpectFields = ["detected_by", "assets", "within", "within_range", "contain"];

    /// <summary>Loads a scenario file.</summary>
    /// <exception cref="PlantModelException">The file is not a valid scenario; the message says where.</exception>
    public static Scenario Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses a scenario; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="PlantModelException">The text is not a valid scenario; the message says where.</exception>
    public static Scenario Parse(string yaml, string source)
    {
        YamlField root;
        try
        {
            root = YamlField.LoadDocument(yaml, source);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some unclosed flow collections this way, without a position: point at the last line.
            var lines = yaml.Split('\n');
            throw new PlantModelException(source, lines.Length, 1, "(syntax)", ex.Message);
        }

        root.AllowOnly(TopLevel);
        var id = root.Required("id").Identifier();
        var description = root.Required("description").String();

        var run = root.Required("run");
        run.AllowOnly(RunFields);
        var durationField = run.Required("duration");
        var duration = durationField.Duration();
        var steady = false;
        if (run.Optional("plant") is { } plant)
        {
            steady = plant.String() switch
            {
                "steady" => true,
                "lively" => false,
                _ => throw plant.Error($"expected steady or lively, found '{plant.String()}'"),
            };
        }

        var stages = ParseStages(root, duration);
        var last = stages.Max(s => s.Attack.End);
        if (last > duration - SamplePlant.Period)
        {
            throw durationField.Error(string.Create(CultureInfo.InvariantCulture,
                $"the run ({duration.TotalSeconds:0.##} s) must last beyond the attack's end ({last.TotalSeconds:0.##} s)"));
        }

        return new Scenario(id, description, source, duration, steady, stages[0].Attack, stages[0].Expect) { LaterStages = stages.Skip(1).ToArray() };
    }

    /// <summary>
    /// <c>attack:</c> with <c>expect:</c> (one attack), or <c>stages:</c>, a list of them (a multi-stage intrusion,
    /// each stage starting after the one before).
    /// </summary>
    private static List<ScenarioStage> ParseStages(YamlField root, TimeSpan duration)
    {
        if (root.Optional("stages") is not { } stagesField)
        {
            var attack = ParseAttack(root.Required("attack"), duration);
            return [new ScenarioStage(attack, ParseExpect(root.Required("expect"), attack))];
        }

        if ((root.Optional("attack") ?? root.Optional("expect")) is { } both)
        {
            throw both.Error("a scenario has either attack and expect, or stages");
        }

        var stages = new List<ScenarioStage>();
        foreach (var item in stagesField.Items())
        {
            item.AllowOnly(StageFields);
            var attack = ParseAttack(item.Required("attack"), duration);
            if (stages.Count > 0 && attack.Start < stages[^1].Attack.Start)
            {
                throw item.Required("attack").Required("start").Error("stages must be listed in the order they start");
            }

            stages.Add(new ScenarioStage(attack, ParseExpect(item.Required("expect"), attack)));
        }

        return stages.Count > 0 ? stages : throw stagesField.Error("expected at least one stage");
    }

    /// <summary>The snake_case name of a kind, as scenario files spell it.</summary>
    public static string NameOf(ScenarioKind kind)
    {
        var text = kind.ToString();
        var name = new StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsUpper(text[i]) && i > 0)
            {
                name.Append('_');
            }

            name.Append(char.ToLowerInvariant(text[i]));
        }

        return name.ToString();
    }

    private static ScenarioAttack ParseAttack(YamlField field, TimeSpan runDuration)
    {
        field.AllowOnly(AttackFields);
        var kindField = field.Required("kind");
        var kindText = kindField.String();
        var kind = Enum.GetValues<ScenarioKind>().Cast<ScenarioKind?>().FirstOrDefault(k => NameOf(k!.Value) == kindText)
            ?? throw kindField.Error($"expected one of: {string.Join(", ", Enum.GetValues<ScenarioKind>().Select(NameOf))}, found '{kindText}'");

        var deviceField = field.Required("device");
        var device = deviceField.Identifier();
        var known = SamplePlant.Devices.FirstOrDefault(d => d.Id == device);
        if (kind == ScenarioKind.UnknownDevice)
        {
            if (known is not null)
            {
                throw deviceField.Error($"an unknown device must not be one of the plant's devices, found '{device}'");
            }
        }
        else if (known is null)
        {
            throw deviceField.Error($"expected one of the sample plant's devices ({string.Join(", ", SamplePlant.Devices.Select(d => d.Id))}), found '{device}'");
        }

        string? asset = null;
        if (field.Optional("asset") is { } assetField)
        {
            asset = assetField.Identifier();
            if (!SamplePlant.Assets.Contains(asset))
            {
                throw assetField.Error($"expected one of the sample plant's assets ({string.Join(", ", SamplePlant.Assets)}), found '{asset}'");
            }

            if (known is not null && !known.PublishesAsset(asset) && kind != ScenarioKind.SetPointTampering)
            {
                throw assetField.Error($"device '{device}' does not publish asset '{asset}'");
            }
        }

        var signals = new List<string>();
        if (field.Optional("signals") is { } signalsField)
        {
            if (asset is null)
            {
                throw signalsField.Error("signals need an asset");
            }

            foreach (var item in signalsField.Items())
            {
                var signal = item.Identifier();
                if (!SamplePlant.Signals.Any(s => s.AssetId == asset && s.SignalId == signal))
                {
                    throw item.Error($"asset '{asset}' has no signal '{signal}'");
                }

                signals.Add(signal);
            }
        }

        if (NeedsSignals(kind) && signals.Count == 0)
        {
            throw (field.Optional("signals") ?? field.Optional("asset") ?? kindField).Error($"a {NameOf(kind)} attack needs an asset and at least one signal");
        }

        if (kind == ScenarioKind.CoordinatedSpoof && signals.Count < 2)
        {
            throw field.Required("signals").Error("a coordinated spoof needs at least two signals");
        }

        var startField = field.Required("start");
        var start = startField.Duration();
        var length = field.Required("duration").Duration();
        if (start.Ticks % SamplePlant.Period.Ticks != 0 || length.Ticks % SamplePlant.Period.Ticks != 0)
        {
            throw startField.Error("attack times must be multiples of the 250ms sample period");
        }

        if (start + length >= runDuration)
        {
            throw startField.Error("the attack must end before the run does");
        }

        var intensity = field.Optional("intensity")?.PositiveNumber() ?? 1.0;
        var intensities = field.Optional("intensities") is { } list
            ? list.Items().Select(i => i.PositiveNumber()).ToList()
            : [intensity];
        if (intensities.Count == 0)
        {
            throw field.Required("intensities").Error("expected at least one intensity");
        }

        return new ScenarioAttack(kind, device, asset, signals, start, start + length, intensity, intensities);
    }

    private static ScenarioExpectation ParseExpect(YamlField field, ScenarioAttack attack)
    {
        field.AllowOnly(ExpectFields);
        var reasons = new List<string>();
        var reasonsField = field.Required("detected_by");
        foreach (var item in reasonsField.Items())
        {
            var reason = item.String();
            if (!ReasonCodes.TryParse(reason, out _))
            {
                throw item.Error($"expected a reason code ({string.Join(", ", ReasonCodes.AllNames)}), found '{reason}'");
            }

            reasons.Add(reason);
        }

        if (reasons.Count == 0)
        {
            throw reasonsField.Error("expected at least one reason code");
        }

        var assets = new List<string>();
        if (field.Optional("assets") is { } assetsField)
        {
            foreach (var item in assetsField.Items())
            {
                var asset = item.Identifier();
                if (!SamplePlant.Assets.Contains(asset))
                {
                    throw item.Error($"expected one of the sample plant's assets ({string.Join(", ", SamplePlant.Assets)}), found '{asset}'");
                }

                assets.Add(asset);
            }
        }
        else if (attack.AssetId is { } attacked)
        {
            assets.Add(attacked);
        }

        var within = field.Required("within").Duration();
        return new ScenarioExpectation(reasons, assets, within, Flag(field, "within_range"), Flag(field, "contain"));
    }

    private static bool Flag(YamlField field, string key)
    {
        if (field.Optional(key) is not { } flag)
        {
            return false;
        }

        return flag.String() switch
        {
            "true" => true,
            "false" => false,
            _ => throw flag.Error($"expected true or false, found '{flag.String()}'"),
        };
    }

    private static bool NeedsSignals(ScenarioKind kind) => kind is ScenarioKind.Spike or ScenarioKind.Bias or ScenarioKind.Frozen
        or ScenarioKind.Drift or ScenarioKind.Replay or ScenarioKind.CoordinatedSpoof or ScenarioKind.Scaling
        or ScenarioKind.BaselinePoisoning or ScenarioKind.SetPointTampering;
}
