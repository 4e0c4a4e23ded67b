namespace TwinGuard.Twins.Plant;

/// <summary>A site as the plant model file describes it: assets, their signals, devices and the physics relations.</summary>
/// <remarks>Immutable once loaded; every stage of the pipeline reads it, none changes it.</remarks>
public sealed record PlantModel(
    SiteModel Site,
    ValidationSettings Validation,
    DetectionSettings Detection,
    CorrelationSettings Correlation,
    IReadOnlyList<AssetModel> Assets,
    IReadOnlyList<DeviceModel> Devices,
    IReadOnlyList<RelationModel> Relations)
{
    // Lookups by id, each built from the list it indexes and rebuilt when a copy (`model with { Devices = ... }`) holds
    // another list: a record's copy keeps its fields, so an index built once would answer with the old list's entries.
    private ById<AssetModel> _assets = new(Assets, a => a.Id);
    private ById<DeviceModel> _devices = new(Devices, d => d.Id);

    /// <summary>This site's side of sharing with peer sites (the <c>sharing:</c> section); <see cref="SharingSettings.None"/> when absent.</summary>
    public SharingSettings Sharing { get; init; } = SharingSettings.None;

    /// <summary>The Modbus devices polled and guarded (the <c>modbus:</c> section); none when absent.</summary>
    public ModbusSettings Modbus { get; init; } = ModbusSettings.None;

    /// <summary>The <c>listeners:</c> section: every socket TwinGuard opens; null when absent (serve's options and defaults decide).</summary>
    public IReadOnlyList<ListenerModel>? Listeners { get; init; }

    /// <summary>The <c>tls:</c> section: server certificate and device certificate trust; null when absent.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>The OPC UA servers subscribed to (the <c>opcua:</c> section); none when absent.</summary>
    public OpcUaSettings OpcUa { get; init; } = OpcUaSettings.None;

    /// <summary>The <c>limits:</c> section: pre-login limits of the broker and the refusal folding window.</summary>
    public LimitsSettings Limits { get; init; } = LimitsSettings.Default;

    /// <summary>The <c>retention:</c> section: how long and how much evidence the data directory keeps.</summary>
    public RetentionSettings Retention { get; init; } = RetentionSettings.Default;

    /// <summary>The asset with this id, or null.</summary>
    public AssetModel? FindAsset(string id) => ById<AssetModel>.Of(ref _assets, Assets, a => a.Id).Find(id);

    /// <summary>The asset with this id, looked up without making a string of it (the gate routes every message by topic).</summary>
    public AssetModel? FindAsset(ReadOnlySpan<char> id) => ById<AssetModel>.Of(ref _assets, Assets, a => a.Id).Find(id);

    /// <summary>The device with this id, or null.</summary>
    public DeviceModel? FindDevice(string id) => ById<DeviceModel>.Of(ref _devices, Devices, d => d.Id).Find(id);

    /// <summary>One list indexed by id (the model's lists are immutable, so an index stays right while its list is the model's).</summary>
    private sealed class ById<T>(IReadOnlyList<T> source, Func<T, string> id)
        where T : class
    {
        // Ordinal string comparison also compares spans of characters, so one dictionary answers both lookups.
        private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _byId =
            source.ToDictionary(id, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

        public T? Find(string key) => _byId.Dictionary.GetValueOrDefault(key);

        public T? Find(ReadOnlySpan<char> key) => _byId.TryGetValue(key, out var found) ? found : null;

        /// <summary>The index in <paramref name="field"/> if it indexes <paramref name="list"/>, else a new one stored there.</summary>
        public static ById<T> Of(ref ById<T> field, IReadOnlyList<T> list, Func<T, string> id)
        {
            var index = Volatile.Read(ref field);
            if (!ReferenceEquals(index.Source, list))
            {
                index = new ById<T>(list, id);
                Volatile.Write(ref field, index);
            }

            return index;
        }

        private IReadOnlyList<T> Source { get; } = source;
    }
}
