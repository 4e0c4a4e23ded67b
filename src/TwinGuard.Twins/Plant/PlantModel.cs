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
    private readonly Dictionary<string, AssetModel> _assets = Assets.ToDictionary(a => a.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceModel> _devices = Devices.ToDictionary(d => d.Id, StringComparer.Ordinal);

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
    public AssetModel? FindAsset(string id) => _assets.GetValueOrDefault(id);

    /// <summary>The device with this id, or null.</summary>
    public DeviceModel? FindDevice(string id) => _devices.GetValueOrDefault(id);
}
