namespace TwinGuard.Intel.Correlation;

/// <summary>What an <see cref="IntelMonitor"/> watches and how often.</summary>
public sealed record IntelMonitorOptions
{
    /// <summary>Suricata EVE and Zeek <c>conn.log</c> files to follow (format recognised from the first line).</summary>
    public IReadOnlyList<string> NetworkLogs { get; init; } = [];

    /// <summary>How often the logs are checked for new lines.</summary>
    /// <value>1 second.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock for polling.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where sightings are appended (e.g. <c>&lt;data-dir&gt;/intel/sightings.jsonl</c>); null to keep them in memory only.</summary>
    public string? SightingLogPath { get; init; }
}
