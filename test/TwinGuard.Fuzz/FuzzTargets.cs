using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Ingest.Mqtt.PreLogin;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Ingest.OpcUa.Transport;
using TwinGuard.Intel.Formats.Csv;
using TwinGuard.Intel.Formats.Misp;
using TwinGuard.Intel.Formats.Stix;
using TwinGuard.Intel.Network;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Notes;
using TwinGuard.Simulator.Scenarios;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Fuzz;

/// <summary>
/// One target per parser of untrusted input. Each feeds the bytes to the parser the way the product does and lets
/// only the parser's own refusal through (the exception it documents for bad input); anything else escaping, a hang
/// or a crash of the process is a finding.
/// </summary>
public static class FuzzTargets
{
    private static readonly Lazy<string> SamplePlantText = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "corpus", "plant-yaml", "sample-plant.yaml")));
    private static readonly Lazy<PlantModel> Plant = new(() => PlantModelLoader.Parse(SamplePlantText.Value, "plant.yaml"));
    private static readonly Lazy<string> LedgerDirectory = new(() => Directory.CreateTempSubdirectory("twinguard-fuzz-ledger-").FullName);

    private static readonly Dictionary<string, Action<byte[]>> Targets = new(StringComparer.Ordinal)
    {
        ["reading-payload"] = ReadingPayload,
        ["plant-yaml"] = PlantYaml,
        ["playbooks-yaml"] = PlaybooksYaml,
        ["relation"] = Relation,
        ["mqtt-framing"] = MqttFraming,
        ["modbus-frame"] = ModbusFrame,
        ["opcua-binary"] = OpcUaBinary,
        ["csv-feed"] = CsvFeed,
        ["stix-pattern"] = StixPattern,
        ["stix-bundle"] = StixBundle,
        ["misp-event"] = MispEvent,
        ["scenario-yaml"] = ScenarioYaml,
        ["eve-line"] = EveLine,
        ["zeek-line"] = ZeekLine,
        ["ledger-segment"] = LedgerSegment,
        ["signed-note"] = SignedNoteText,
    };

    /// <summary>Every target's name.</summary>
    public static IEnumerable<string> Names => Targets.Keys;

    /// <summary>The target of that name, or null.</summary>
    public static Action<byte[]>? Find(string name) => Targets.GetValueOrDefault(name);

    /// <summary>An MQTT reading: the gate's payload parser, for a whole asset and for one signal's topic.</summary>
    private static void ReadingPayload(byte[] data)
    {
        var asset = Plant.Value.FindAsset("tank1")!;
        foreach (var signal in (int[])[-1, 0])
        {
            try
            {
                ReadingPayloadParser.Parse(asset, signal, data);
            }
            catch (PayloadException)
            {
            }
        }
    }

    private static void PlantYaml(byte[] data)
    {
        try
        {
            PlantModelLoader.Parse(Encoding.UTF8.GetString(data), "fuzz.yaml");
        }
        catch (PlantModelException)
        {
        }
    }

    private static void PlaybooksYaml(byte[] data)
    {
        try
        {
            PlaybookLoader.Parse(Encoding.UTF8.GetString(data), Plant.Value, "fuzz.yaml");
        }
        catch (PlantModelException)
        {
        }
    }

    private static void Relation(byte[] data)
    {
        try
        {
            CompiledRelation.Compile(Encoding.UTF8.GetString(data), Plant.Value);
        }
        catch (RelationSyntaxException)
        {
        }
    }

    /// <summary>The pre-login framing guard in front of MQTTnet, fed the bytes in chunks as a socket would.</summary>
    private static void MqttFraming(byte[] data)
    {
        var clock = new FakeTimeProvider();
        var admission = new AddressAdmission(PreLoginLimits.Default, clock, static _ => false);
        if (admission.TryAdmit(IPAddress.Loopback, out var lease) != AdmissionRefusal.None || lease is null)
        {
            throw new InvalidOperationException("the first connection from an address must be admitted");
        }

        using (lease)
        using (var guard = new FramingGuardChannel(new BytesChannel(data), lease, PreLoginLimits.Default, clock))
        {
            var buffer = new byte[4096];
            while (guard.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None).GetAwaiter().GetResult() > 0)
            {
            }
        }
    }

    /// <summary>A Modbus TCP frame as the inline guard and the client read it: MBAP header, request PDU, response check.</summary>
    private static void ModbusFrame(byte[] data)
    {
        if (data.Length >= MbapHeader.Size)
        {
            _ = MbapHeader.Read(data);
        }

        var pdu = data.AsSpan(Math.Min(data.Length, MbapHeader.Size));
        ModbusPdu.TryParseRequest(pdu, out _, out _, out _);

        // A response is only ever checked against a request the client built itself (valid by construction): the
        // first half must be a request the guard accepts, the second half is the device's answer.
        var half = pdu.Length / 2;
        if (ModbusPdu.TryParseRequest(pdu[..half], out _, out _, out _))
        {
            ModbusPdu.ResponseProblem(pdu[..half], pdu[half..]);
        }
    }

    /// <summary>An OPC UA binary message from a server: the UA TCP header, then a response header and a notification.</summary>
    private static void OpcUaBinary(byte[] data)
    {
        try
        {
            if (data.Length >= 8)
            {
                UaTcpHeader.Parse(data.AsSpan(0, 8), 1 << 20);
            }

            var reader = new UaBinaryReader(data.AsSpan(Math.Min(8, data.Length)));
            ResponseReader.ReadHeader(ref reader);
            NotificationMessage.Read(ref reader);
        }
        catch (OpcUaException)
        {
        }

        try
        {
            var reader = new UaBinaryReader(data);
            while (true)
            {
                reader.ReadDataValue();
            }
        }
        catch (OpcUaException)
        {
        }
    }

    private static void CsvFeed(byte[] data) => CsvIndicatorReader.Read("fuzz", "fuzz.csv", data);

    private static void StixPattern(byte[] data)
    {
        try
        {
            StixPatternParser.Parse(Encoding.UTF8.GetString(data));
        }
        catch (StixPatternException)
        {
        }
    }

    private static void StixBundle(byte[] data) => StixBundleReader.Read("fuzz", "fuzz.json", data);

    /// <summary>A MISP event as a peer site sends it, and the same bytes as a MISP feed's manifest.</summary>
    private static void MispEvent(byte[] data)
    {
        MispFeedReader.ReadEvent("fuzz", "fuzz.json", data);
        MispFeedReader.ReadManifest(data, out _);
    }

    private static void ScenarioYaml(byte[] data)
    {
        try
        {
            ScenarioLoader.Parse(Encoding.UTF8.GetString(data), "fuzz.yaml");
        }
        catch (PlantModelException)
        {
        }
    }

    private static void EveLine(byte[] data) => EveJsonParser.TryParse(Encoding.UTF8.GetString(data), out _, out _);

    private static void ZeekLine(byte[] data)
    {
        var parser = new ZeekConnLogParser();
        foreach (var line in Encoding.UTF8.GetString(data).Split('\n'))
        {
            parser.TryParse(line, out _, out _);
        }
    }

    /// <summary>A ledger segment file as <c>ledger verify</c> and the API read it.</summary>
    private static void LedgerSegment(byte[] data)
    {
        var directory = LedgerDirectory.Value;
        File.WriteAllBytes(Path.Combine(directory, "segment-00000000000000000000.tgl"), data);
        try
        {
            using var reader = LedgerReader.Open(directory);
            var count = reader.CountEntries();
            if (count > 0)
            {
                reader.ReadEntries(0, (int)Math.Min(count, 64));
            }
        }
        catch (InvalidDataException)
        {
        }
    }

    private static void SignedNoteText(byte[] data)
    {
        try
        {
            SignedNote.Parse(Encoding.UTF8.GetString(data));
        }
        catch (FormatException)
        {
        }
    }
}
