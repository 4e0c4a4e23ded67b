using System.Globalization;
using System.Security.Cryptography;
using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// Floods cost the flooder, not the evidence: per device and reason, the first <see cref="StoredPerWindow"/> refused
/// messages of each <see cref="Window"/> are kept whole, one row and one finding each; the rest are counted and closed
/// into one summary when the window ends (how many, first and last, bytes, the SHA-256 of a sample of payloads, the
/// first folded payload kept as the row's payload), raised as one finding carrying their number as occurrences.
/// </summary>
/// <remarks>
/// Every refusal is still counted in <see cref="PipelineMetrics"/> (<c>twinguard_refusals_total</c>, and
/// <c>twinguard_refusals_summarised_total</c> for the folded ones): a flood of 160,000 messages a second then costs a
/// few rows a window instead of 160,000. The table is bounded (the capacity in device and reason pairs;
/// devices are those of the plant model, authenticated): when full, the oldest window is closed early. Windows are
/// closed by the next refusal after their end and by a timer on the evidence clock every second, so a flood that
/// stops is summarised within a window and a second.
/// </remarks>
public sealed class RefusalSummariser : IDisposable
{
    /// <summary>Refusals of one device for one reason kept whole per window.</summary>
    public const int StoredPerWindow = 20;

    /// <summary>Payload hashes sampled per summary: the 1st, 2nd, 4th, 8th... folded refusal.</summary>
    public const int Samples = 24;

    /// <summary>The length of a window unless the plant model says otherwise (<c>limits.refusal_fold_window</c>).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _window;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Device, ReasonCode Reason), Tally> _tallies = [];

    /// <summary>
    /// Per device being summarised: when it last had a refusal folded, and from which connection (what
    /// <see cref="ShouldStoreLate"/> looks at). Entries older than a window go at the next close; devices are the
    /// plant model's (authenticated), so the table is bounded like the tallies.
    /// </summary>
    private readonly Dictionary<string, (DateTimeOffset At, string? ClientId, string? RemoteEndpoint)> _folding = [];

    /// <summary>Set once every window was closed for the host's stop (<see cref="CloseAll"/>): refusals then are stored whole.</summary>
    private bool _closed;
    private readonly EvidenceSink _evidence;
    private readonly int _capacity;
    private readonly ITimer _timer;

    /// <summary>Summarises into <paramref name="evidence"/>, on its clock.</summary>
    public RefusalSummariser(EvidenceSink evidence, TimeSpan? window = null, int capacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        (_evidence, _capacity, _window) = (evidence, capacity, window ?? Window);
        _timer = evidence.Time.CreateTimer(_ => CloseEnded(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Decides on one refused message: true to store it whole (and raise its finding); false when it was folded into
    /// the window's summary (counted, payload sampled).
    /// </summary>
    public bool ShouldStore(SourceInfo source, string topic, string? assetId, ReasonCode reason, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Decide(source.Device.Id, source.ClientId, source.RemoteEndpoint, topic, assetId, reason, payload, late: false);
    }

    /// <summary>
    /// Decides on a refusal that a twin made of a reading the gate let through (a timestamp too far in the past, a
    /// replayed sequence, a value out of range): true to store it whole, as every such refusal was; false when the device
    /// is being summarised now (one of its windows folded a refusal within the last window) and this one was folded into
    /// its window for <paramref name="reason"/> like the gate's own (counted, <paramref name="detail"/> sampled).
    /// </summary>
    /// <remarks>
    /// A flooder held by the broker sends readings it stamped when it wrote them; read seconds or minutes later they are
    /// late, and a flooder that stays connected has its whole socket backlog read that way after it stops: thousands of
    /// refusals, each a row, a finding and a ledger entry on the paths the other devices share. Only a device already
    /// being summarised is folded, so a device that is not flooding keeps every twin refusal whole; its first
    /// <see cref="StoredPerWindow"/> per window are still stored whole. The twin has no payload left, only the reading:
    /// the refusal's detail stands in for it (hashed in the sample, the first one kept).
    /// </remarks>
    public bool ShouldStoreLate(string deviceId, string topic, string? assetId, ReasonCode reason, string detail)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(detail);
        (string? ClientId, string? RemoteEndpoint) from;
        lock (_lock)
        {
            if (!_folding.TryGetValue(deviceId, out var folding) || _evidence.Time.GetUtcNow() - folding.At >= _window)
            {
                return true;
            }

            from = (folding.ClientId, folding.RemoteEndpoint); // the connection whose refusals are folding: the flooder's
        }

        return Decide(deviceId, from.ClientId, from.RemoteEndpoint, topic, assetId, reason, System.Text.Encoding.UTF8.GetBytes(detail), late: true);
    }

    private bool Decide(string deviceId, string? clientId, string? remoteEndpoint, string topic, string? assetId, ReasonCode reason, ReadOnlySpan<byte> payload, bool late)
    {
        var now = _evidence.Time.GetUtcNow();
        Tally? ended = null;
        bool store;
        lock (_lock)
        {
            if (_closed)
            {
                return true; // the host is stopping and its windows are written: a window opened now would never be
            }

            var key = (deviceId, reason);
            if (_tallies.TryGetValue(key, out var tally) && now - tally.Start >= _window)
            {
                _tallies.Remove(key);
                ended = tally;
                tally = null;
            }

            if (tally is null)
            {
                if (_tallies.Count >= _capacity)
                {
                    var oldest = _tallies.MinBy(static t => t.Value.Start);
                    _tallies.Remove(oldest.Key);
                    Close(oldest.Value);
                }

                tally = new Tally(deviceId, reason, now, late);
                _tallies[key] = tally;
            }

            store = tally.Take(clientId, remoteEndpoint, topic, assetId, now, payload);
            if (!store)
            {
                _folding[deviceId] = (now, tally.ClientId, tally.RemoteEndpoint);
            }
        }

        if (ended is not null)
        {
            Close(ended);
        }

        if (!store)
        {
            _evidence.Metrics.CountRefusal(deviceId, reason);
            _evidence.Metrics.CountRefusalSummarised();
        }

        return store;
    }

    /// <summary>Closes every window that has ended (the timer calls it every second).</summary>
    public void CloseEnded() => Close(all: false);

    /// <summary>
    /// Closes every window now, ended or not: the host is stopping, and a window left open would take the refusals it
    /// folded (counted in <c>twinguard_refusals_summarised_total</c>) out of the store and the ledger for good.
    /// </summary>
    public void CloseAll()
    {
        lock (_lock)
        {
            _closed = true;
        }

        Close(all: true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer.Dispose();
        CloseAll();
    }

    private void Close(bool all)
    {
        var now = _evidence.Time.GetUtcNow();
        List<Tally> ended;
        lock (_lock)
        {
            ended = [.. _tallies.Values.Where(t => all || now - t.Start >= _window)];
            foreach (var tally in ended)
            {
                _tallies.Remove((tally.DeviceId, tally.Reason));
            }

            foreach (var device in _folding.Where(f => all || now - f.Value.At >= _window).Select(f => f.Key).ToList())
            {
                _folding.Remove(device);
            }
        }

        foreach (var tally in ended)
        {
            Close(tally);
        }
    }

    private void Close(Tally tally)
    {
        if (tally.Folded == 0)
        {
            return;
        }

        var detail = string.Create(CultureInfo.InvariantCulture,
            $"flood summary: {tally.Folded} more '{tally.Reason.Name()}' refusals of device '{tally.DeviceId}' from {tally.FirstFolded:O} to {tally.LastFolded:O} ({tally.Bytes} bytes) not stored one by one ({StoredPerWindow} stored whole in this {_window.TotalSeconds:0} s window); {(tally.Late ? "readings the gate let through and the twin refused while the device was being summarised; SHA-256 of the refusal detail of" : "payload SHA-256 of")} folded #{string.Join(", #", tally.Sampled.Select(s => $"{s.Index} {s.Digest}"))}; the first folded {(tally.Late ? "refusal's detail" : "payload")} is kept");
        // Dated by the last refusal it covers, not by when the window closed (up to a window later): the summary belongs
        // with the flood in time, in the correlation windows and in a scorer's attack window.
        var now = tally.LastFolded;
        _evidence.Refuse(
            new Refusal(now, tally.Reason, tally.DeviceId, tally.ClientId, tally.RemoteEndpoint, tally.Topic, tally.AssetId, null, detail, tally.FirstPayload),
            new Finding(now, tally.Reason, tally.Reason.DefaultSeverity(), tally.AssetId, null, tally.DeviceId, null, 0, detail)
            {
                Occurrences = (int)Math.Min(int.MaxValue, tally.Folded),
                RemoteAddress = AddressBlock.AddressOf(tally.RemoteEndpoint)?.ToString(),
            },
            counted: false);
    }

    /// <summary>One window of one device and reason.</summary>
    private sealed class Tally(string deviceId, ReasonCode reason, DateTimeOffset start, bool late)
    {
        public string DeviceId { get; } = deviceId;

        /// <summary>Opened by a twin's refusal (<see cref="ShouldStoreLate"/>): its samples are refusal details, not payloads.</summary>
        public bool Late { get; } = late;

        public ReasonCode Reason { get; } = reason;

        public DateTimeOffset Start { get; } = start;

        public int Stored { get; private set; }

        public long Folded { get; private set; }

        public long Bytes { get; private set; }

        public DateTimeOffset FirstFolded { get; private set; }

        public DateTimeOffset LastFolded { get; private set; }

        public string? ClientId { get; private set; }

        public string? RemoteEndpoint { get; private set; }

        public string Topic { get; private set; } = string.Empty;

        public string? AssetId { get; private set; }

        public ReadOnlyMemory<byte> FirstPayload { get; private set; }

        public List<(long Index, string Digest)> Sampled { get; } = [];

        public bool Take(string? clientId, string? remoteEndpoint, string topic, string? assetId, DateTimeOffset now, ReadOnlySpan<byte> payload)
        {
            if (Stored < StoredPerWindow)
            {
                Stored++;
                return true;
            }

            Folded++;
            Bytes += payload.Length;
            LastFolded = now;
            if (Folded == 1)
            {
                (FirstFolded, ClientId, RemoteEndpoint, Topic, AssetId) =
                    (now, EvidenceClip.Text(clientId), remoteEndpoint, EvidenceClip.Text(topic)!, assetId);
                FirstPayload = EvidenceClip.Payload(payload.ToArray()).Kept;
            }

            // The 1st, 2nd, 4th, 8th... folded payload: a sample across the window at a hash per doubling.
            if (Sampled.Count < Samples && (Folded & (Folded - 1)) == 0)
            {
                Sampled.Add((Folded, Convert.ToHexStringLower(SHA256.HashData(payload))[..16]));
            }

            return false;
        }
    }
}
