using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Edge.Containment;
using TwinGuard.Edge.Pipeline;
using TwinGuard.Edge.Uplink;
using TwinGuard.Ingest.Mqtt;
using TwinGuard.Ingest.Mqtt.Uplink;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Twins.Edge;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Edge;

/// <summary>
/// The edge agent: the site's broker, gate, validation, per-signal detectors and relations for the devices beside it,
/// its own ledger, the site's playbooks for local containment, and the uplink that forwards everything to the site.
/// </summary>
internal sealed class EdgeAgent : IAsyncDisposable
{
    private const int MaxPendingNotes = 64;
    private readonly EdgeOptions _options;
    private readonly EdgeLog _log;
    private readonly TimeProvider _time;
    private readonly LedgerWriter _ledger;
    private readonly CheckpointWitnessing _checkpoints;
    // CheckpointWitnessing builds the add-checkpoint requests (with their consistency proofs) for the site; it wants an
    // HttpClient for witnesses reached over HTTP, which the edge has none of: its witness is the site, over MQTT.
    private readonly HttpClient _unusedHttp = new();
    private readonly EdgeOutbox _outbox;
    private readonly EvidenceSink _evidence;
    private readonly EdgeTwins _twins;
    private readonly ReadingGate _gate;
    private readonly EmbeddedBroker _broker;
    private readonly EdgeRecorder _recorder;
    private readonly EdgeContainer _container;
    private readonly MqttUplink? _uplink;
    private readonly WitnessPublicKey? _siteWitness;
    private readonly ConcurrentDictionary<long, string> _notes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StartupTimeline _startup;
    private Task _recording = Task.CompletedTask;
    private long _witnessedSize;

    public EdgeAgent(EdgeOptions options, PlantModel plant, ResponsePlan plan, EdgeLog log, TimeProvider time, StartupTimeline? startup = null)
    {
        _options = options;
        _log = log;
        _time = time;
        _startup = startup ?? new StartupTimeline();
        Plant = plant;
        var assets = ServedAssets(plant, options);
        Directory.CreateDirectory(options.DataDirectory);
        _ledger = EdgeLedger.Open(options, time);
        _startup.Mark("ledger");
        var ledgerDirectory = _ledger.Directory;
        _checkpoints = new CheckpointWitnessing(_ledger, [], _unusedHttp);
        if (options.Site?.WitnessKey is { } witnessKey)
        {
            _siteWitness = WitnessPublicKey.Parse(File.Exists(witnessKey) ? File.ReadAllText(witnessKey).Trim() : witnessKey);
            _witnessedSize = CosignatureFile.Read(ledgerDirectory, out _).Where(c => _siteWitness.Claims(c.Signature)).Select(c => c.TreeSize).DefaultIfEmpty(0).Max();
        }

        _outbox = new EdgeOutbox(Path.Combine(options.DataDirectory, "outbox"), options.OutboxBytes, time);
        _startup.Mark("outbox");
        var metrics = new PipelineMetrics();
        _evidence = new EvidenceSink(metrics, time);
        var quarantine = new QuarantineList();
        _twins = new EdgeTwins(plant, assets, _evidence, quarantine, _outbox);
        var gate = _gate = new ReadingGate(plant, quarantine, new FloodGuard(plant, time), _evidence, _twins);
        var brokerOptions = new BrokerOptions(options.Listen.Address, options.Listen.Port);
        var devicePlant = plant;
        if (options.DeviceTls is { } tls)
        {
            // As the site's broker: a plain and an mqtts listener, device certificates checked against the CA that issues
            // them (the plant model's tls.client_ca unless --device-ca), its revocation list kept.
            var settings = new TlsSettings(tls.CertificateFile, tls.KeyFile, tls.ClientCaFile ?? plant.Tls?.ClientCaFile, plant.Tls?.RevokedFingerprints ?? new HashSet<string>());
            brokerOptions = brokerOptions with
            {
                Listeners = [new ListenerModel(ListenerProtocol.Mqtt, options.Listen.Address, options.Listen.Port), new ListenerModel(ListenerProtocol.Mqtts, tls.Listen.Address, tls.Listen.Port)],
                Tls = settings,
            };
            devicePlant = plant with { Tls = settings };
        }

        _startup.Mark("pipeline");
        _broker = new EmbeddedBroker(brokerOptions, gate, new DeviceAuthenticator(devicePlant, brokerOptions, time), NullLogger<EmbeddedBroker>.Instance, time);
        _startup.Mark("broker");
        var recorder = new LedgerRecorder(_ledger);
        _container = new EdgeContainer(plant, plan, quarantine, recorder, _outbox, log, time) { Disconnect = id => _broker.DisconnectDeviceAsync(id) };
        _recorder = new EdgeRecorder(plant, _evidence, recorder, _outbox, _container, log);
        if (options.Site is { } site)
        {
            var link = new MqttUplinkOptions(site.Host, site.Port, options.EdgeId, new ClientTls(site.CaFile, site.CertificateFile, site.KeyFile), EdgeTopics.Up(options.EdgeId))
            {
                Subscribe = EdgeTopics.Down(options.EdgeId),
            };
            _uplink = new MqttUplink(link, _outbox.Queue, time);
            _uplink.Received += OnSiteMessage;
            _uplink.Linked += waiting => log.Info($"linked to site {site.Host}:{site.Port}; {waiting} message(s) waiting");
            _uplink.ProblemRaised += problem => log.Warn($"site {problem} (retrying; readings and findings are kept on disk meanwhile)");
        }

        _ledger.CheckpointSigned += OnCheckpoint;
        _twins.FirstAccepted += () => log.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"first reading accepted {_startup.SinceStart:F0} ms after the process started"));
        Assets = assets;
        Metrics = metrics;
    }

    /// <summary>The plant model.</summary>
    public PlantModel Plant { get; }

    /// <summary>The assets served here.</summary>
    public IReadOnlySet<string> Assets { get; }

    /// <summary>The pipeline's counters.</summary>
    public PipelineMetrics Metrics { get; }

    /// <summary>The outbox to the site.</summary>
    public EdgeOutbox Outbox => _outbox;

    /// <summary>Where devices connect.</summary>
    public IReadOnlyList<(ListenerModel Listener, System.Net.IPEndPoint EndPoint)> Listening => _broker.BoundListeners;

    /// <summary>Starts listening to devices and linking to the site.</summary>
    public async Task StartAsync()
    {
        _recording = Task.Run(() => _recorder.RunAsync(_stop.Token));
        await _broker.StartAsync();
        _uplink?.Start();
        _startup.Mark("listen");
        _log.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"edge {_options.EdgeId}: {Assets.Count} asset(s), {_twins.Relations} relation(s), devices on {string.Join(", ", Listening.Select(l => l.EndPoint))}, "
            + $"ledger key {_ledger.PublicKey.VerifierKey}; ready {_startup.SinceStart:F0} ms after the process started ({_startup})"));
    }

    /// <summary>A one-line state for the log.</summary>
    public string Status() =>
        $"accepted {Metrics.ReadingsAccepted} readings, refused {Metrics.MessagesRefused} messages, {_recorder.Findings} findings, {_recorder.Incidents} incidents, "
        + $"{_container.Applied} containments; outbox {_outbox.Depth} waiting, {_outbox.Delivered} delivered, {_outbox.Dropped} dropped; link {(_uplink?.IsConnected == true ? "up" : "down")}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _gate.Dispose();
        _twins.Dispose();
        _evidence.Complete();
        try
        {
            await _recording;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        if (_uplink is not null)
        {
            await _uplink.DisposeAsync();
        }

        _ledger.CheckpointSigned -= OnCheckpoint;
        await _checkpoints.DisposeAsync();
        await _ledger.DisposeAsync();
        _outbox.Dispose();
        _unusedHttp.Dispose();
        _stop.Dispose();
    }

    private static HashSet<string> ServedAssets(PlantModel plant, EdgeOptions options)
    {
        if (options.Assets.Count > 0)
        {
            foreach (var id in options.Assets.Where(a => plant.FindAsset(a) is null))
            {
                throw new EdgeUsageException($"--assets: no asset '{id}' in the plant model");
            }

            return new HashSet<string>(options.Assets, StringComparer.Ordinal);
        }

        // Every asset some device of the plant may publish to (the edge itself publishes none).
        var prefix = plant.Site.TopicPrefix + "/";
        return plant.Assets.Where(a => plant.Devices.Any(d => d.Id != options.EdgeId
                && d.Topics.Any(f => TopicFilter.Matches(f, prefix + a.Id) || TopicFilter.Matches(f, prefix + a.Id + "/" + a.Signals[0].Id))))
            .Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
    }

    private void OnCheckpoint(Checkpoint checkpoint)
    {
        if (_siteWitness is null)
        {
            return;
        }

        // Off the ledger's flusher: the request reads a consistency proof from the log.
        _ = Task.Run(() =>
        {
            try
            {
                var old = Interlocked.Read(ref _witnessedSize);
                var request = _checkpoints.AddCheckpointRequest(checkpoint, Math.Min(old, checkpoint.TreeSize));
                _notes[checkpoint.TreeSize] = Ledger.Notes.SignedNote.Parse(request[(request.IndexOf("\n\n", StringComparison.Ordinal) + 2)..]).Text;
                foreach (var size in _notes.Keys.Order().SkipLast(MaxPendingNotes))
                {
                    _notes.TryRemove(size, out _);
                }

                _outbox.EnqueueCheckpoint(request);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or InvalidOperationException or ArgumentException)
            {
                _log.Warn($"checkpoint {checkpoint.TreeSize}: no request for the site's witness: {ex.Message}");
            }
        });
    }

    private void OnSiteMessage(string topic, ReadOnlyMemory<byte> payload)
    {
        EdgeDownMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(payload.Span, EdgeJson.Default.EdgeDownMessage);
        }
        catch (JsonException ex)
        {
            _log.Warn($"site message on {EvidenceClip.Text(topic)} is not JSON the edge understands: {ex.Message}");
            return;
        }

        switch (message?.Kind)
        {
            case null:
                return;
            case "containment" when message.Containment is { } containment:
                _ = _container.ApplyFromSiteAsync(containment);
                break;
            case "cosignature":
                Cosigned(message);
                break;
            default:
                _log.Warn($"site message of kind '{EvidenceClip.Text(message!.Kind)}' ignored");
                break;
        }
    }

    private void Cosigned(EdgeDownMessage message)
    {
        if (message.Status == 409 && long.TryParse(message.Cosignature?.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var theirs))
        {
            Interlocked.Exchange(ref _witnessedSize, theirs); // c2sp.org/tlog-witness: prove from the witness's size next time
            return;
        }

        if (_siteWitness is null || message.Status != 200 || !_notes.TryGetValue(message.TreeSize, out var text))
        {
            _log.Warn($"site did not cosign checkpoint {message.TreeSize}: {message.Status} {EvidenceClip.Text(message.Cosignature)}");
            return;
        }

        foreach (var line in (message.Cosignature ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(16))
        {
            try
            {
                var signature = Ledger.Notes.SignedNote.ParseSignatureLine(line);
                if (_siteWitness.Verify(text, signature, out _))
                {
                    CosignatureFile.Append(_ledger.Directory, message.TreeSize, [signature]);
                    Interlocked.Exchange(ref _witnessedSize, Math.Max(Interlocked.Read(ref _witnessedSize), message.TreeSize));
                    return;
                }
            }
            catch (FormatException)
            {
                // not a signature line; the others may be
            }
        }

        _log.Warn($"site answered checkpoint {message.TreeSize} without a valid cosignature of its witness key");
    }
}
