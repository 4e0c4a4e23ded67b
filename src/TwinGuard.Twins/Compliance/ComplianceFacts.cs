using System.Globalization;
using System.Net;
using TwinGuard.Intel.Feeds;
using TwinGuard.Ledger.Verification;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// The configuration facts a catalogue can name (<c>fact: NAME</c>), each read from the plant model the site ran on,
/// the recorded playbooks, the ledger or the data directory, never assumed. docs/compliance.md lists what each checks.
/// </summary>
public static class ComplianceFacts
{
    private static readonly Dictionary<string, Func<ComplianceContext, FactResult>> Facts = new(StringComparer.Ordinal)
    {
        ["device-identity"] = DeviceIdentity,
        ["password-strength"] = PasswordStrength,
        ["device-certificates"] = DeviceCertificates,
        ["source-addresses"] = SourceAddresses,
        ["topic-authorisation"] = TopicAuthorisation,
        ["transport-encryption"] = TransportEncryption,
        ["input-validation"] = InputValidation,
        ["physics-relations"] = PhysicsRelations,
        ["flood-protection"] = FloodProtection,
        ["api-access-control"] = ApiAccessControl,
        ["response-playbooks"] = ResponsePlaybooks,
        ["alert-forwarding"] = AlertForwarding,
        ["ledger-integrity"] = LedgerIntegrity,
        ["ledger-signing"] = LedgerSigning,
        ["witnesses"] = Witnesses,
        ["secret-redaction"] = SecretRedaction,
        ["asset-inventory"] = AssetInventory,
        ["configuration-recorded"] = ConfigurationRecorded,
        ["threat-intelligence"] = ThreatIntelligence,
        ["least-functionality"] = LeastFunctionality,
    };

    /// <summary>Every fact's name.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Facts.Keys];

    /// <summary>Evaluates fact <paramref name="name"/>.</summary>
    public static FactResult Evaluate(string name, ComplianceContext context) => Facts[name](context);

    private static FactResult WithPlant(ComplianceContext c, Func<PlantModel, long, FactResult> fact) =>
        c.Plant.Model is { } model && c.Plant.Recorded is { } recorded
            ? fact(model, recorded.Index)
            : FactResult.Of(ControlStatus.NotMet, "no plant model to read it from: " + c.Plant.Problem);

    private static FactResult Share(int have, int of, string met, string what, long entry, Dictionary<string, string> values) =>
        new(have == of && of > 0 ? ControlStatus.Met : have == 0 ? ControlStatus.NotMet : ControlStatus.PartlyMet,
            string.Create(CultureInfo.InvariantCulture, $"{have} of {of} {what} {met}"), values, [entry]);

    private static string List(IEnumerable<string> ids) => string.Join(", ", ids.Take(20)) is { Length: > 0 } s ? s : "none";

    // IEC 62443-3-3 SR 1.2: every device authenticates with a password hash or a certificate.
    private static FactResult DeviceIdentity(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var without = plant.Devices.Where(d => d.PasswordHash is null && d.Certificate is null).Select(d => d.Id).ToList();
        var modbusClients = plant.Modbus.Clients.Count();
        return Share(plant.Devices.Count - without.Count, plant.Devices.Count, "authenticate with a password hash or a certificate", "devices", entry, new()
        {
            ["devices"] = plant.Devices.Count.ToString(CultureInfo.InvariantCulture),
            ["withoutCredentials"] = List(without),
            ["modbusClientsByAddress"] = modbusClients.ToString(CultureInfo.InvariantCulture),
        });
    });

    // IEC 62443-3-3 SR 1.7: password hashes at the OWASP PBKDF2-SHA256 work factor or above.
    private static FactResult PasswordStrength(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var hashed = plant.Devices.Where(d => d.PasswordHash is not null).ToList();
        if (hashed.Count == 0)
        {
            return new FactResult(ControlStatus.Met, "no device uses a password (certificates only)", new Dictionary<string, string>(), [entry]);
        }

        var weak = hashed.Where(d => d.PasswordHash!.IsWeak).Select(d => d.Id).ToList();
        return Share(hashed.Count - weak.Count, hashed.Count, $"use PBKDF2-SHA256 with at least {PasswordHash.DefaultIterations} iterations", "password hashes", entry, new()
        {
            ["passwordDevices"] = hashed.Count.ToString(CultureInfo.InvariantCulture),
            ["weakHashes"] = List(weak),
            ["minimumIterations"] = hashed.Min(d => d.PasswordHash!.Iterations).ToString(CultureInfo.InvariantCulture),
        });
    });

    // IEC 62443-3-3 SR 1.8/1.9: devices identified by certificates of the site CA (or pinned).
    private static FactResult DeviceCertificates(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var with = plant.Devices.Where(d => d.Certificate is not null).ToList();
        var values = new Dictionary<string, string>
        {
            ["devicesWithCertificates"] = with.Count.ToString(CultureInfo.InvariantCulture),
            ["devices"] = plant.Devices.Count.ToString(CultureInfo.InvariantCulture),
            ["clientCa"] = plant.Tls?.ClientCaFile is null ? "none" : "configured",
            ["revokedFingerprints"] = (plant.Tls?.RevokedFingerprints.Count ?? 0).ToString(CultureInfo.InvariantCulture),
            ["withoutCertificates"] = List(plant.Devices.Where(d => d.Certificate is null).Select(d => d.Id)),
        };
        var share = Share(with.Count, plant.Devices.Count, "present a certificate (site CA or pinned)", "devices", entry, values);
        return with.Count == plant.Devices.Count ? share : share with
        {
            Summary = share.Summary + $"; {values["withoutCertificates"]} authenticate by password alone: declare `certificate:` for each "
                      + "(`twinguard certs` makes a site CA and one certificate per device and prints the lines) and serve a TLS listener (docs/network.md)",
        };
    });

    // IEC 62443-3-3 SR 1.13 / SR 2.1: a device's credentials are accepted from its listed addresses only.
    private static FactResult SourceAddresses(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var bound = plant.Devices.Where(d => d.Addresses.Count > 0).ToList();
        return Share(bound.Count, plant.Devices.Count, "are bound to the addresses they connect from", "devices", entry, new()
        {
            ["unbound"] = List(plant.Devices.Where(d => d.Addresses.Count == 0).Select(d => d.Id)),
        });
    });

    // IEC 62443-3-3 SR 2.1: each device may publish only to its own topics, and subscribes to nothing it is not given.
    private static FactResult TopicAuthorisation(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var broad = plant.Devices.Where(d => d.Topics.Count == 0 || d.Topics.Any(t => t == "#" || t.StartsWith("#", StringComparison.Ordinal))).Select(d => d.Id).ToList();
        var subscribers = plant.Devices.Where(d => d.Subscribe.Count > 0).Select(d => d.Id).ToList();
        return Share(plant.Devices.Count - broad.Count, plant.Devices.Count, "are limited to their own topic filters", "devices", entry, new()
        {
            ["unrestricted"] = List(broad),
            ["maySubscribe"] = List(subscribers),
        });
    });

    // IEC 62443-3-3 SR 3.1 / SR 4.1: what reaches TwinGuard off this host does so over TLS.
    private static FactResult TransportEncryption(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var listeners = plant.Listeners ?? [];
        if (listeners.Count == 0)
        {
            return new FactResult(ControlStatus.Met, "no listener outside loopback (the default: every socket on 127.0.0.1 and ::1)",
                new Dictionary<string, string> { ["listeners"] = "loopback only" }, [entry]);
        }

        var plain = listeners.Where(l => !l.IsTls && !IPAddress.IsLoopback(l.Address)).Select(l => l.ToString()).ToList();
        var tls = listeners.Count(l => l.IsTls);
        return new FactResult(
            plain.Count == 0 ? ControlStatus.Met : tls > 0 ? ControlStatus.PartlyMet : ControlStatus.NotMet,
            plain.Count == 0 ? $"every one of {listeners.Count} listeners off loopback uses TLS 1.2/1.3" : $"{plain.Count} listener(s) accept plain text off loopback: {List(plain)}",
            new Dictionary<string, string>
            {
                ["listeners"] = string.Join("; ", listeners.Select(l => l.ToString())),
                ["plainOffLoopback"] = List(plain),
            },
            [entry]);
    });

    // IEC 62443-3-3 SR 3.5: every reading is checked against the model before a twin takes it.
    private static FactResult InputValidation(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var signals = plant.Assets.SelectMany(a => a.Signals).ToList();
        var bounded = signals.Count(s => s.Min < s.Max && s.MaxRatePerSecond > 0);
        var values = new Dictionary<string, string>
        {
            ["signals"] = signals.Count.ToString(CultureInfo.InvariantCulture),
            ["withRangeAndRate"] = bounded.ToString(CultureInfo.InvariantCulture),
            ["operatingBands"] = signals.Count(s => s.Operating is not null).ToString(CultureInfo.InvariantCulture),
            ["maxFutureSkew"] = plant.Validation.MaxFutureSkew.ToString("c", CultureInfo.InvariantCulture),
            ["maxPastSkew"] = plant.Validation.MaxPastSkew.ToString("c", CultureInfo.InvariantCulture),
            ["gateChecks"] = "source, topic, asset, signal, quarantine, payload schema, finite numbers, flooding",
        };
        return Share(bounded, signals.Count, "have a valid range and a maximum rate of change (gate: schema, type, finite values, sequence, time skew)", "signals", entry, values);
    });

    // IEC 62443-3-3 SR 3.4: relations the physics must obey tie the twins to each other.
    private static FactResult PhysicsRelations(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var assets = plant.Assets.Count;
        var covered = plant.Assets.Count(a => plant.Relations.Any(r => r.Signals.Any(s => s.StartsWith(a.Id + ".", StringComparison.Ordinal))));
        return new FactResult(
            plant.Relations.Count == 0 ? ControlStatus.NotMet : covered == assets ? ControlStatus.Met : ControlStatus.PartlyMet,
            $"{plant.Relations.Count} relation(s) cover {covered} of {assets} assets",
            new Dictionary<string, string>
            {
                ["relations"] = plant.Relations.Count.ToString(CultureInfo.InvariantCulture),
                ["assetsCovered"] = covered.ToString(CultureInfo.InvariantCulture),
            },
            [entry]);
    });

    // IEC 62443-3-3 SR 7.1: the flood guard per source, and the pre-login limits of every listener (docs/abuse.md).
    private static FactResult FloodProtection(ComplianceContext c) => WithPlant(c, (plant, entry) =>
        new FactResult(
            plant.Validation.FloodFactor > 0 ? ControlStatus.Met : ControlStatus.NotMet,
            string.Create(CultureInfo.InvariantCulture, $"a source sending more than {plant.Validation.FloodFactor}x its signals' expected rate is refused (flooding); unauthenticated clients are held to the pre-login limits"),
            new Dictionary<string, string>
            {
                ["floodFactor"] = plant.Validation.FloodFactor.ToString(CultureInfo.InvariantCulture),
                ["preLoginLimits"] = "per-address connection and failed-login limits, bounded CONNECT size and time (docs/abuse.md)",
            },
            [entry]));

    // IEC 62443-3-3 SR 1.1 / SR 2.1: every API request but /health carries a key whose role decides what it may do.
    private static FactResult ApiAccessControl(ComplianceContext c)
    {
        return new FactResult(ControlStatus.Met,
            "every API and dashboard request except /health needs an API key; its role (viewer, operator, admin), optionally scoped to a site, decides what it may do; keys are stored hashed and every use of a write is journaled",
            new Dictionary<string, string>
            {
                ["roles"] = "viewer, operator, admin",
                ["keyStore"] = c.KeyStore,
            },
            []);
    }

    private static ResponsePlan? Plan(ComplianceContext c)
    {
        if (c.Ledger.Playbooks is not { } recorded || c.Plant.Model is not { } plant)
        {
            return null;
        }

        try
        {
            return PlaybookLoader.Parse(recorded.Content, plant, recorded.Source);
        }
        catch (FormatException)
        {
            return null; // recorded before this build's format: counted as recorded, not read further
        }
    }

    // NIST SP 800-53 IR-4(1): incidents handled by automated mechanisms.
    private static FactResult ResponsePlaybooks(ComplianceContext c)
    {
        if (c.Ledger.Playbooks is not { } recorded)
        {
            return FactResult.Of(ControlStatus.NotMet, "no playbooks recorded up to the period's end: incidents are only shown, never contained automatically");
        }

        var plan = Plan(c);
        return new FactResult(plan is null || plan.Playbooks.Count > 0 ? ControlStatus.Met : ControlStatus.NotMet,
            plan is null ? $"playbooks recorded (entry {recorded.Index}, sha256 {recorded.Sha256[..12]})" : $"{plan.Playbooks.Count} playbook(s) in force, {plan.Notifiers.Count} notifier(s)",
            new Dictionary<string, string>
            {
                ["playbooks"] = plan?.Playbooks.Count.ToString(CultureInfo.InvariantCulture) ?? "recorded",
                ["approvalsRequired"] = plan?.Playbooks.Sum(p => p.Actions.Count(a => a.Approval is not null)).ToString(CultureInfo.InvariantCulture) ?? "?",
            },
            [recorded.Index]);
    }

    // NIST SP 800-53 IR-6(1) / IEC 62443-3-3 SR 6.1 RE 1: findings and incidents leave for a SIEM or people.
    private static FactResult AlertForwarding(ComplianceContext c)
    {
        if (c.Ledger.Playbooks is not { } recorded)
        {
            return FactResult.Of(ControlStatus.NotMet, "no playbooks recorded: nothing is forwarded to a SIEM or notified");
        }

        var plan = Plan(c);
        var forward = plan?.Forwarding.Count ?? 0;
        var notifiers = plan?.Notifiers.Count ?? 0;
        return new FactResult(forward > 0 ? ControlStatus.Met : notifiers > 0 ? ControlStatus.PartlyMet : ControlStatus.NotMet,
            forward > 0 ? $"every finding is forwarded ({forward} forward rule(s)), {notifiers} notifier(s)"
            : notifiers > 0 ? $"{notifiers} notifier(s) alert on incidents; findings are not forwarded (no forward: rule)" : "no notifier and no forward: rule",
            new Dictionary<string, string>
            {
                ["forwardRules"] = forward.ToString(CultureInfo.InvariantCulture),
                ["notifiers"] = string.Join(", ", plan?.Notifiers.Select(n => n.Id) ?? []),
            },
            [recorded.Index]);
    }

    // IEC 62443-3-3 SR 3.9, ISO/IEC 27001 A.5.33: the whole log recomputes to its signed roots. Stated as of the
    // report's checkpoint (ComplianceEvaluator.AtCheckpoint), so that the fact does not change with the unsigned tail.
    private static FactResult LedgerIntegrity(ComplianceContext c)
    {
        var v = c.Verification;
        return new FactResult(
            !v.Ok ? ControlStatus.NotMet : v.Trust == KeyTrust.LogOwnKey ? ControlStatus.PartlyMet : ControlStatus.Met,
            v.Ok
                ? $"{v.TreeSize} entries up to the report's checkpoint and {v.CheckpointsVerified} checkpoints verified (the entries after it, not yet signed, verified too); {v.Scope}"
                : "the ledger does not verify: " + v.Problem,
            new Dictionary<string, string>
            {
                ["entries"] = v.TreeSize.ToString(CultureInfo.InvariantCulture),
                ["checkpoints"] = v.CheckpointsVerified.ToString(CultureInfo.InvariantCulture),
                ["root"] = Convert.ToHexStringLower(v.RootHash),
                ["key"] = v.KeyId,
                ["trust"] = v.Trust.ToString(),
            },
            []);
    }

    // IEC 62443-3-3 SR 2.12 / SR 3.9: checkpoints signed by a key kept outside the data directory.
    private static FactResult LedgerSigning(ComplianceContext c)
    {
        var ledger = c.LedgerDirectory;
        var keyInside = Directory.Exists(ledger) && Directory.EnumerateFiles(ledger, "*.key.pem").Any();
        var signed = c.Verification.CheckpointsVerified;
        var status = signed == 0 || !c.Verification.Ok ? ControlStatus.NotMet : keyInside ? ControlStatus.PartlyMet : ControlStatus.Met;
        return new FactResult(status,
            $"{signed} checkpoint(s) signed with ECDSA P-256 (C2SP signed notes); the signing key is " + (keyInside ? "IN the data directory" : "kept outside the data directory"),
            new Dictionary<string, string>
            {
                ["checkpoints"] = signed.ToString(CultureInfo.InvariantCulture),
                ["signedSize"] = c.Verification.SignedSize.ToString(CultureInfo.InvariantCulture),
                ["keyInDataDirectory"] = keyInside ? "yes" : "no",
            },
            []);
    }

    // IEC 62443-3-3 SR 3.9 RE 1 (approached): checkpoints cosigned by witnesses elsewhere, so the log cannot fork unseen.
    private static FactResult Witnesses(ComplianceContext c)
    {
        var cosignatures = CosignatureFile.Read(c.LedgerDirectory, out _);
        var witnesses = cosignatures.Select(s => s.Signature.Name).Distinct(StringComparer.Ordinal).ToList();
        return new FactResult(witnesses.Count > 0 ? ControlStatus.Met : ControlStatus.NotMet,
            witnesses.Count > 0 ? $"{cosignatures.Count} cosignature(s) from {witnesses.Count} witness(es): {List(witnesses)}" : "no witness cosigns the checkpoints",
            new Dictionary<string, string>
            {
                ["witnesses"] = List(witnesses),
                ["cosignatures"] = cosignatures.Count.ToString(CultureInfo.InvariantCulture),
            },
            []);
    }

    // ISO/IEC 27001 A.5.33 / A.8.12: recorded configuration keeps no secret (password hashes, keys).
    private static FactResult SecretRedaction(ComplianceContext c)
    {
        var l = c.Ledger;
        var cited = new[] { l.PlantModel?.Index, l.Playbooks?.Index }.OfType<long>().Concat(l.UnredactedFiles.Take(5)).Distinct().ToArray();
        return new FactResult(
            l.RecordedFiles == 0 ? ControlStatus.NotMet : l.UnredactedFiles.Count == 0 ? ControlStatus.Met : ControlStatus.PartlyMet,
            l.UnredactedFiles.Count == 0
                ? $"{l.RecordedFiles} recorded configuration file(s), each with its secrets redacted and the SHA-256 of the whole file"
                : $"{l.UnredactedFiles.Count} of {l.RecordedFiles} recorded files predate redaction and hold the file whole (the API redacts them when shown)",
            new Dictionary<string, string>
            {
                ["recordedFiles"] = l.RecordedFiles.ToString(CultureInfo.InvariantCulture),
                ["unredacted"] = l.UnredactedFiles.Count.ToString(CultureInfo.InvariantCulture),
            },
            cited);
    }

    // IEC 62443-3-3 SR 7.8, ISO/IEC 27001 A.5.9: the assets, signals and devices TwinGuard knows.
    private static FactResult AssetInventory(ComplianceContext c) => WithPlant(c, (plant, entry) =>
        new FactResult(plant.Assets.Count > 0 ? ControlStatus.Met : ControlStatus.NotMet,
            $"{plant.Assets.Count} asset(s), {plant.Assets.Sum(a => a.Signals.Count)} signal(s), {plant.Devices.Count} MQTT device(s), {plant.Modbus.Devices.Count} Modbus and {plant.OpcUa.Devices.Count} OPC UA device(s) in the recorded plant model",
            new Dictionary<string, string>
            {
                ["assets"] = List(plant.Assets.Select(a => a.Id)),
                ["devices"] = List(plant.Devices.Select(d => d.Id).Concat(plant.Modbus.Devices.Select(d => d.Id)).Concat(plant.OpcUa.Devices.Select(d => d.Id))),
            },
            [entry]));

    // IEC 62443-3-3 SR 7.6 RE 1: the security settings in force, machine-readable and proven.
    private static FactResult ConfigurationRecorded(ComplianceContext c) =>
        c.Ledger.PlantModel is { } recorded
            ? new FactResult(ControlStatus.Met, $"the plant model in force is recorded (entry {recorded.Index}, sha256 {recorded.Sha256[..12]}), and this report lists its security settings as JSON",
                new Dictionary<string, string> { ["source"] = recorded.Source, ["sha256"] = recorded.Sha256 }, [recorded.Index])
            : FactResult.Of(ControlStatus.NotMet, "no plant model recorded up to the period's end");

    // ISO/IEC 27001 A.5.7, NIST SI-5: threat-intelligence feeds matched against connections and network logs.
    private static FactResult ThreatIntelligence(ComplianceContext c)
    {
        var intel = Path.Combine(c.DataDirectory, "intel");
        var feeds = Directory.Exists(Path.Combine(intel, "feeds")) ? new FeedStore(intel).List() : [];
        return new FactResult(feeds.Count > 0 ? ControlStatus.Met : ControlStatus.NotMet,
            feeds.Count > 0 ? $"{feeds.Count} feed(s) imported: {List(feeds.Select(f => f.Source.Id))}" : "no threat-intelligence feed imported (twinguard intel import)",
            new Dictionary<string, string> { ["feeds"] = feeds.Count.ToString(CultureInfo.InvariantCulture) },
            []);
    }

    // IEC 62443-3-3 SR 7.7: only the listeners the model names; devices publish and do nothing else.
    private static FactResult LeastFunctionality(ComplianceContext c) => WithPlant(c, (plant, entry) =>
    {
        var subscribers = plant.Devices.Count(d => d.Subscribe.Count > 0);
        var listeners = plant.Listeners?.Count ?? 0;
        return new FactResult(subscribers == 0 ? ControlStatus.Met : ControlStatus.PartlyMet,
            (listeners == 0 ? "loopback listeners only" : $"{listeners} listener(s), each named in the model")
            + $"; {plant.Devices.Count - subscribers} of {plant.Devices.Count} devices may only publish; retained messages and wildcard publishes are refused",
            new Dictionary<string, string>
            {
                ["listeners"] = listeners.ToString(CultureInfo.InvariantCulture),
                ["devicesThatMaySubscribe"] = subscribers.ToString(CultureInfo.InvariantCulture),
            },
            [entry]);
    });
}
