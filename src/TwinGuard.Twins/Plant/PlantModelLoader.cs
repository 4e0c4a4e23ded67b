using System.Globalization;
using System.Net;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads a plant model file and checks it completely before anything runs on it.</summary>
/// <remarks>
/// Every problem is reported with file, line, column and field (<see cref="PlantModelException"/>): a plant must never
/// run on a model that was silently half-understood. Unknown fields are refused for the same reason.
/// </remarks>
public static class PlantModelLoader
{
    /// <summary>Loads and checks a plant model file.</summary>
    /// <exception cref="PlantModelException">The file is not a valid plant model.</exception>
    public static PlantModel Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses and checks plant model text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="PlantModelException">The text is not a valid plant model.</exception>
    public static PlantModel Parse(string yaml, string file = "plant.yaml")
    {
        var root = YamlField.LoadDocument(yaml, file);
        root.AllowOnly("site", "validation", "detection", "correlation", "assets", "devices", "relations", "modbus", "listeners", "tls", "opcua", "limits", "retention", "sharing");

        var site = ReadSite(root.Required("site"));
        var validation = root.Optional("validation") is { } v ? ReadValidation(v) : ValidationSettings.Default;
        var assets = ReadUnique(root.Required("assets"), field => ReadAsset(field, validation), a => a.Id, "asset");
        if (assets.Count == 0)
        {
            throw root.Required("assets").Error("expected at least one asset");
        }

        var devices = ReadUnique(root.Required("devices"), ReadDevice, d => d.Id, "device");
        var sharing = PeerModelReader.Read(root, file, devices);
        var modbus = ModbusSettings.None;
        if (root.Optional("modbus") is { } m)
        {
            (modbus, var sources) = ModbusModelReader.Read(m, site.TopicPrefix, assets, devices);
            devices.AddRange(sources);
        }

        var opcua = OpcUaSettings.None;
        if (root.Optional("opcua") is { } o)
        {
            (opcua, var sources) = OpcUaModelReader.Read(o, file, site.TopicPrefix, assets, devices);
            devices.AddRange(sources);
        }

        var model = new PlantModel(
            site,
            validation,
            root.Optional("detection") is { } d ? ReadDetection(d) : DetectionSettings.Default,
            root.Optional("correlation") is { } c ? ReadCorrelation(c, assets) : CorrelationSettings.Default,
            assets,
            devices,
            [])
        {
            Modbus = modbus,
            OpcUa = opcua,
            Sharing = sharing,
        };
        model = NetworkModelReader.Read(root, file, model);
        model = LimitsModelReader.Read(root, model);

        var relations = root.Optional("relations") is { } r
            ? ReadUnique(r, field => ReadRelation(field, model), x => x.Id, "relation")
            : [];
        return model with { Relations = relations };
    }

    /// <summary>
    /// Applies serve's <c>--limit SECTION.KEY=VALUE</c> switches over the model's <c>limits:</c> and <c>retention:</c>
    /// sections (<c>limits.mqtt.max_connections=4096</c>, <c>retention.refusals.max_age=30d</c>).
    /// </summary>
    /// <exception cref="PlantModelException">A switch names an unknown key or has a wrong value.</exception>
    public static PlantModel WithSwitches(PlantModel model, IEnumerable<string> switches) => LimitsModelReader.Override(model, switches);

    private static SiteModel ReadSite(YamlField field)
    {
        field.AllowOnly("id", "name", "topic_prefix");
        var id = field.Required("id").Identifier();
        var prefix = field.Optional("topic_prefix") is { } p ? p.String() : "plant";
        if (prefix.IndexOfAny(['+', '#']) >= 0 || prefix.StartsWith('/') || prefix.EndsWith('/'))
        {
            throw field.Required("topic_prefix").Error($"expected a topic prefix without wildcards or leading/trailing '/', found '{prefix}'");
        }

        return new SiteModel(id, field.Optional("name")?.String() ?? id, prefix);
    }

    private static AssetModel ReadAsset(YamlField field, ValidationSettings validation)
    {
        field.AllowOnly("id", "name", "kind", "tags", "signals");
        var id = field.Required("id").Identifier();
        var signals = ReadUnique(field.Required("signals"), s => ReadSignal(s, validation), s => s.Id, "signal");
        if (signals.Count == 0)
        {
            throw field.Required("signals").Error("expected at least one signal");
        }

        return new AssetModel(
            id,
            field.Optional("name")?.String() ?? id,
            field.Required("kind").Identifier(),
            field.Optional("tags")?.StringList() ?? [],
            signals);
    }

    private static SignalModel ReadSignal(YamlField field, ValidationSettings validation)
    {
        field.AllowOnly("id", "kind", "unit", "range", "operating", "max_rate", "period", "criticality");
        var kind = field.Optional("kind")?.Enum<SignalKind>() ?? SignalKind.Measurement;
        var range = field.Required("range");
        var bounds = range.Items().ToList();
        if (bounds.Count != 2)
        {
            throw range.Error("expected [min, max]");
        }

        var (min, max) = (bounds[0].Number(), bounds[1].Number());
        if (min >= max)
        {
            throw range.Error($"expected min < max, found [{min}, {max}]");
        }

        return new SignalModel(
            field.Required("id").Identifier(),
            field.Required("unit").String(),
            min,
            max,
            kind == SignalKind.SetPoint && field.Optional("max_rate") is null ? double.PositiveInfinity : field.Required("max_rate").PositiveNumber(),
            field.Required("period").Duration(),
            field.Optional("criticality")?.Enum<Criticality>() ?? Criticality.Medium)
        {
            Kind = kind,
            Operating = field.Optional("operating") is { } operating ? ReadOperatingBand(operating, min, max, validation.OperatingDelay) : null,
        };
    }

    /// <summary><c>operating: { low: 0.7, high: 1.3, delay: 5s }</c>: at least one limit, both inside the valid range.</summary>
    private static OperatingBand ReadOperatingBand(YamlField field, double min, double max, TimeSpan defaultDelay)
    {
        field.AllowOnly("low", "high", "delay");
        var low = field.Optional("low") is { } l ? Within(l, min, max) : (double?)null;
        var high = field.Optional("high") is { } h ? Within(h, min, max) : (double?)null;
        if (low is null && high is null)
        {
            throw field.Error("expected a low or a high limit (or both)");
        }

        if (low >= high)
        {
            throw field.Required("high").Error($"expected high > low, found low {low} and high {high}");
        }

        return new OperatingBand(low, high, field.Optional("delay")?.Duration() ?? defaultDelay);
    }

    private static double Within(YamlField field, double min, double max)
    {
        var value = field.Number();
        return value >= min && value <= max
            ? value
            : throw field.Error($"expected a limit inside the signal's range [{min}, {max}], found {value}");
    }

    private static DeviceModel ReadDevice(YamlField field)
    {
        field.AllowOnly("id", "name", "password_hash", "secret_hash", "topics", "addresses", "certificate", "subscribe", "edge", "peer");
        var id = field.Required("id").Identifier();
        var certificate = field.Optional("certificate") is { } c ? NetworkModelReader.ReadDeviceCertificate(c) : null;
        var hashField = field.Optional("password_hash");
        var secretField = field.Optional("secret_hash");
        if (hashField is not null && secretField is { } both)
        {
            throw both.Error("a device has a password_hash (a human password, PBKDF2) or a secret_hash (a generated secret), not both");
        }

        if (certificate is null && hashField is null && secretField is null)
        {
            throw field.Error("a device needs a password_hash (`twinguard hash-password`), a secret_hash (`twinguard device-secret`) or a certificate");
        }

        var hash = hashField is { } passwordField ? Parsed(passwordField, PasswordHash.Parse, "`twinguard hash-password`") : null;
        var secret = secretField is { } secretHashField ? Parsed(secretHashField, DeviceSecretHash.Parse, "`twinguard device-secret`") : null;
        return new DeviceModel(id, field.Optional("name")?.String() ?? id, hash, ReadFilters(field.Required("topics")))
        {
            Addresses = field.Optional("addresses")?.Items().Select(Network).ToList() ?? [],
            Certificate = certificate,
            SecretHash = secret,
            Subscribe = field.Optional("subscribe") is { } s ? ReadFilters(s) : [],
            EdgeLedgerKey = field.Optional("edge") is { } edge ? ReadEdgeLedgerKey(edge) : null,
        };
    }

    private static T Parsed<T>(YamlField field, Func<string, T> parse, string maker)
    {
        try
        {
            return parse(field.String());
        }
        catch (FormatException ex)
        {
            throw field.Error($"{ex.Message} (make one with {maker})");
        }
    }

    private static string ReadEdgeLedgerKey(YamlField edge)
    {
        edge.AllowOnly("ledger_key");
        return LedgerVerifierKey(edge.Required("ledger_key"), "the verifier key of the edge's ledger (`twinguard-edge key`)");
    }

    /// <summary>A ledger's verifier key (<c>twinguard.ledger/…+hash+base64</c>) in <paramref name="field"/>, checked; <paramref name="expected"/> says whose for the error.</summary>
    internal static string LedgerVerifierKey(YamlField field, string expected)
    {
        var key = field.String().Trim();
        try
        {
            using var parsed = TwinGuard.Ledger.Checkpoints.LedgerPublicKey.FromVerifierKey(key);
        }
        catch (InvalidDataException ex)
        {
            throw field.Error($"expected {expected}: {ex.Message}");
        }

        return key;
    }

    private static List<string> ReadFilters(YamlField list)
    {
        var filters = new List<string>();
        foreach (var topic in list.Items())
        {
            var filter = topic.String();
            if (!TopicFilter.IsValid(filter))
            {
                throw topic.Error($"expected an MQTT topic filter ('+' for one level, '#' only at the end), found '{filter}'");
            }

            filters.Add(filter);
        }

        return filters;
    }

    /// <summary>An address (<c>10.0.10.5</c>, <c>fd00::5</c>) or a network in CIDR notation (<c>10.0.10.0/24</c>).</summary>
    private static IPNetwork Network(YamlField field)
    {
        var text = field.String();
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        // A network written with host bits (10.0.10.5/24) is refused, not masked: it is a typo for an address or a network.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.AsSpan(0, slash), out var written)
            && network.BaseAddress.Equals(written)
            ? network
            : throw field.Error($"expected an IP address or a network such as 10.0.10.0/24 (no host bits set), found '{text}'");
    }

    private static ValidationSettings ReadValidation(YamlField field)
    {
        field.AllowOnly("max_future_skew", "max_past_skew", "flood_factor", "frozen_samples", "operating_delay", "flood_cut_off");
        var d = ValidationSettings.Default;
        return new ValidationSettings(
            field.Optional("max_future_skew")?.Duration() ?? d.MaxFutureSkew,
            field.Optional("max_past_skew")?.Duration() ?? d.MaxPastSkew,
            field.Optional("flood_factor")?.PositiveNumber() ?? d.FloodFactor,
            field.Optional("frozen_samples")?.PositiveInteger() ?? d.FrozenSamples)
        {
            OperatingDelay = field.Optional("operating_delay")?.Duration() ?? d.OperatingDelay,
            FloodCutOff = field.Optional("flood_cut_off") is not { } cutOff ? d.FloodCutOff
                : cutOff.Node is YamlDotNet.RepresentationModel.YamlScalarNode { Value: "off" } ? null : cutOff.Duration(),
        };
    }

    /// <summary>Largest <c>multivariate_accept_after</c>: about four days of states at 4 Hz.</summary>
    private const int MaxAcceptAfter = 1_500_000;

    private static DetectionSettings ReadDetection(YamlField field)
    {
        field.AllowOnly("ewma_alpha", "warm_up", "z_threshold", "cusum_slack", "cusum_threshold", "multivariate_warm_up", "multivariate_detector", "multivariate_accept_after");
        var d = DetectionSettings.Default;
        var alphaField = field.Optional("ewma_alpha");
        var alpha = alphaField?.PositiveNumber() ?? d.EwmaAlpha;
        if (alpha > 1)
        {
            throw alphaField!.Value.Error($"expected a number in (0, 1], found '{alpha}'");
        }

        var detectorField = field.Optional("multivariate_detector");
        var detector = detectorField?.String() ?? d.MultivariateDetector;
        if (!TwinGuard.Detection.Pipeline.DetectorCatalog.Names.Contains(detector))
        {
            throw detectorField!.Value.Error($"expected one of: {string.Join(", ", TwinGuard.Detection.Pipeline.DetectorCatalog.Names)}, found '{detector}'");
        }

        var warmUpField = field.Optional("multivariate_warm_up");
        var warmUp = warmUpField?.PositiveInteger() ?? d.MultivariateWarmUp;
        if (warmUp < 32)
        {
            throw warmUpField!.Value.Error($"expected at least 32 states to learn from, found {warmUp}");
        }

        var acceptField = field.Optional("multivariate_accept_after");
        var accept = acceptField?.Number() ?? d.MultivariateAcceptAfter;
        if (accept != Math.Floor(accept) || accept is > 0 and < 2 or < 0 or > MaxAcceptAfter)
        {
            throw acceptField!.Value.Error($"expected 0 (never) or a whole number of states from 2 to {MaxAcceptAfter}, found {accept.ToString(CultureInfo.InvariantCulture)}");
        }

        var acceptAfter = (int)accept;

        return new DetectionSettings(
            alpha,
            field.Optional("warm_up")?.PositiveInteger() ?? d.WarmUp,
            field.Optional("z_threshold")?.PositiveNumber() ?? d.ZThreshold,
            field.Optional("cusum_slack")?.Number() ?? d.CusumSlack,
            field.Optional("cusum_threshold")?.PositiveNumber() ?? d.CusumThreshold)
        {
            MultivariateWarmUp = warmUp,
            MultivariateDetector = detector,
            MultivariateAcceptAfter = acceptAfter,
        };
    }

    private static CorrelationSettings ReadCorrelation(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("window", "findings_for_incident", "campaign_window", "sequences");
        var d = CorrelationSettings.Default;
        var window = field.Optional("window")?.Duration() ?? d.Window;
        var sequences = field.Optional("sequences") is { } list
            ? ReadUnique(list, s => ReadSequence(s, window, assets), r => r.Id, "sequence rule")
            : CorrelationSettings.DefaultSequences(window);
        return new CorrelationSettings(window, field.Optional("findings_for_incident")?.PositiveInteger() ?? d.FindingsForIncident)
        {
            CampaignWindow = field.Optional("campaign_window")?.Duration() ?? d.CampaignWindow,
            Sequences = sequences,
        };
    }

    private static SequenceRule ReadSequence(YamlField field, TimeSpan window, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("id", "first", "then", "within");
        return new SequenceRule(
            field.Required("id").Identifier(),
            ReadCondition(field.Required("first"), assets),
            ReadCondition(field.Required("then"), assets),
            field.Optional("within")?.Duration() ?? window);
    }

    private static FindingCondition ReadCondition(YamlField field, IReadOnlyList<AssetModel> assets)
    {
        field.AllowOnly("reasons", "techniques", "assets", "tags");
        var reasons = field.Optional("reasons")?.Items().Select(r => ReasonCodes.TryParse(r.String(), out var code)
            ? code
            : throw r.Error($"unknown reason code '{r.String()}'; expected one of: {string.Join(", ", ReasonCodes.AllNames)}")).ToList() ?? [];
        var techniques = field.Optional("techniques")?.Items().Select(t => AttackMapping.Default.Techniques.ContainsKey(t.String())
            ? t.String()
            : throw t.Error($"'{t.String()}' is no technique of the ATT&CK for ICS mapping (attack-ics.yaml)")).ToList() ?? [];
        var named = field.Optional("assets")?.Items().Select(a => assets.Any(x => x.Id == a.String())
            ? a.String()
            : throw a.Error($"unknown asset '{a.String()}'")).ToList() ?? [];
        var tagged = field.Optional("tags")?.Items().SelectMany(t => assets.Any(x => x.Tags.Contains(t.String()))
            ? assets.Where(x => x.Tags.Contains(t.String())).Select(x => x.Id)
            : throw t.Error($"no asset has the tag '{t.String()}'")).ToList() ?? [];
        if (reasons.Count == 0 && techniques.Count == 0 && named.Count == 0 && tagged.Count == 0)
        {
            throw field.Error("expected at least one of reasons, techniques, assets, tags");
        }

        return new FindingCondition(reasons, techniques, [.. named.Union(tagged)]);
    }

    private static RelationModel ReadRelation(YamlField field, PlantModel model)
    {
        field.AllowOnly("id", "kind", "expression", "tolerance", "coefficients", "window", "max_age", "noise");
        var kindField = field.Required("kind");
        var kind = kindField.String();
        if (kind is not ("algebraic" or "dynamic"))
        {
            throw kindField.Error($"expected algebraic or dynamic, found '{kind}'");
        }

        var coefficients = field.Optional("coefficients") is { } c ? ReadCoefficients(c, model) : [];
        var expressionField = field.Required("expression");
        var expression = expressionField.String();
        Relations.CompiledRelation compiled;
        try
        {
            // Parsed, resolved against the model and unit-checked now, so a wrong relation stops the load, not the twin.
            compiled = Relations.CompiledRelation.Compile(expression, model, coefficients);
        }
        catch (Relations.RelationSyntaxException ex)
        {
            throw expressionField.Error(ex.Message);
        }

        if (kind == "algebraic" && compiled.UsesDerivative)
        {
            throw kindField.Error("expected dynamic: the expression uses der()");
        }

        if (kind == "dynamic" && !compiled.UsesDerivative)
        {
            throw kindField.Error("expected algebraic: the expression does not use der()");
        }

        var windowField = field.Optional("window");
        if (windowField is { } w && kind != "dynamic")
        {
            throw w.Error("window applies to dynamic relations only");
        }

        var maxAge = field.Optional("max_age")?.Duration() ?? RelationModel.DefaultMaxAge;
        return new RelationModel(field.Required("id").Identifier(), kind, expression, field.Required("tolerance").PositiveNumber(), compiled.Slots)
        {
            Coefficients = coefficients,
            Window = windowField?.Duration() ?? RelationModel.DefaultWindow,
            MaxAge = maxAge,
            Noise = field.Optional("noise")?.PositiveNumber(),
            Compiled = compiled,
        };
    }

    private static List<KeyValuePair<string, double>> ReadCoefficients(YamlField field, PlantModel model)
    {
        var result = new List<KeyValuePair<string, double>>();
        foreach (var key in field.Mapping.Children.Keys)
        {
            var name = (key as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value ?? string.Empty;
            var entry = field.Required(name);
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                throw entry.Error($"expected a coefficient name [A-Za-z_][A-Za-z0-9_]*, found '{name}'");
            }

            if (name is "min" or "max" or "abs" or "sqrt" or "pow" or "clamp" or "der" || model.FindAsset(name) is not null)
            {
                throw entry.Error($"'{name}' is a function or an asset, not a coefficient name");
            }

            result.Add(new(name, entry.Number()));
        }

        return result;
    }

    private static List<T> ReadUnique<T>(YamlField list, Func<YamlField, T> read, Func<T, string> id, string what)
    {
        var items = new List<T>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items())
        {
            var value = read(item);
            if (!seen.Add(id(value)))
            {
                throw item.Error($"duplicate {what} id '{id(value)}'");
            }

            items.Add(value);
        }

        return items;
    }
}
