using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Relations;
using TwinGuard.Twins.Twin;

namespace TwinGuard.Edge.Pipeline;

/// <summary>
/// The edge's twin of one asset: the site twin's own <see cref="TwinCore"/> (validation and per-signal streaming
/// detectors) on the readings its gate let through, without a silo.
/// </summary>
/// <remarks>
/// The core applies the site's rules: a value that fails validation never reaches the trusted state; a detector hit on
/// a signal whose relations hold is an operating change; hits on several signals of one asset at once are an operating
/// change. Here the relations are the edge's <see cref="RelationSet"/>, and no verdicts tune the thresholds. The
/// multivariate model stays at the site (it needs the training history and the memory a gateway has not). Not
/// thread-safe: <see cref="EdgeTwins"/> runs one message at a time.
/// </remarks>
internal sealed class AssetTwin : ITwinCoreHost
{
    private readonly TwinCore _core;
    private readonly RelationRoutes _routes;
    private RelationSet? _relations;
    private List<SignalValue>? _accepted;

    public AssetTwin(PlantModel plant, AssetModel asset, EvidenceSink evidence)
    {
        _core = new TwinCore(plant, asset, evidence, this);
        _routes = RelationRoutes.For(plant, asset);
    }

    /// <summary>The asset.</summary>
    public AssetModel Asset => _core.Asset;

    /// <summary>The relations that read this asset's signals, by id, in <see cref="RelationRoutes"/> order.</summary>
    public RelationRoutes Routes => _routes;

    /// <summary>Validates and scores one message; returns the values accepted into the trusted state.</summary>
    /// <param name="message">What the gate let through.</param>
    /// <param name="now">Server time.</param>
    /// <param name="relations">Evaluates the twin relations; told every accepted value and asked whether they explain a signal.</param>
    /// <param name="verdict">What the twin made of the message: refused when no value was accepted (<see cref="TwinCore.Accept"/>).</param>
    public IReadOnlyList<SignalValue> Ingest(ReadingMessage message, DateTimeOffset now, RelationSet relations, out TwinVerdict verdict)
    {
        verdict = _core.Admit(message, now, now.ToUnixTimeMilliseconds());
        if (verdict.Refusal is not null)
        {
            return [];
        }

        var accepted = new List<SignalValue>(message.Values.Length);
        (_relations, _accepted) = (relations, accepted);
        try
        {
            _core.Accept(message, now, factor: 1, raises: null, learn: true, out verdict);
        }
        finally
        {
            (_relations, _accepted) = (null, null);
        }

        return accepted;
    }

    /// <summary>Raises staleness findings for signals not heard from in time, checked every <paramref name="interval"/>.</summary>
    public void CheckStaleness(DateTimeOffset now, TimeSpan interval) => _core.CheckStaleness(now, interval);

    /// <inheritdoc />
    void ITwinCoreHost.Accepted(int signalIndex, long timestampMs, double value, string deviceId)
    {
        _relations!.Offer(this, signalIndex, timestampMs, value, deviceId);
        _accepted!.Add(new SignalValue(signalIndex, value));
    }

    /// <inheritdoc />
    bool ITwinCoreHost.IsExplainedByRelations(int signalIndex) => _relations!.Explains(this, signalIndex);
}
