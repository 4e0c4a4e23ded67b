namespace TwinGuard.Twins.Plant;

/// <summary>A physical asset (pump, valve, tank, conveyor) and the signals its twin tracks.</summary>
public sealed record AssetModel(string Id, string Name, string Kind, IReadOnlyList<string> Tags, IReadOnlyList<SignalModel> Signals)
{
    private readonly Dictionary<string, int> _index = Signals.Select((s, i) => (s.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);

    /// <summary>The position of a signal in <see cref="Signals"/>, or −1.</summary>
    public int IndexOf(string signalId) => _index.GetValueOrDefault(signalId, -1);

    /// <summary>The position of a signal in <see cref="Signals"/>, or −1, without allocating a string.</summary>
    public int IndexOf(ReadOnlySpan<char> signalId) =>
        _index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(signalId, out var i) ? i : -1;
}
