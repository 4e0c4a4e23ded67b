namespace TwinGuard.Twins.Respond;

/// <summary>A notification target as declared in playbooks.yaml.</summary>
/// <param name="Id">Identifier that <c>notify:</c> actions name.</param>
/// <param name="Kind">What kind of target.</param>
/// <param name="Host">Syslog: collector host.</param>
/// <param name="Port">Syslog: collector port.</param>
/// <param name="Tcp">Syslog: TCP instead of UDP.</param>
/// <param name="Url">Webhook: where to POST.</param>
/// <param name="SecretEnv">Webhook: the environment variable holding the HMAC key (never the key itself in the file).</param>
/// <param name="Path">ECS file: where to append (relative paths are under the data directory).</param>
public sealed record NotifierModel(NotifierKind Kind, string Id, string? Host = null, int Port = 0, bool Tcp = false, Uri? Url = null, string? SecretEnv = null, string? Path = null)
{
    /// <summary>Syslog over TLS (RFC 5425, implies <see cref="Tcp"/>); null for plain UDP or TCP.</summary>
    public ClientTls? Tls { get; init; }

    /// <summary>Syslog over RELP (<see cref="RelpNotifier"/>: each message acknowledged by the collector; implies
    /// <see cref="Tcp"/>, with <see cref="Tls"/> when the transport is <c>relp-tls</c>).</summary>
    public bool Relp { get; init; }

    /// <summary>RELP: how many messages may be in flight, unanswered, on the session (<c>window:</c>).</summary>
    /// <value><see cref="DefaultRelpWindow"/> for RELP (librelp's and omrelp's default), 1 for every other target; at most
    /// <see cref="MaxRelpWindow"/>.</value>
    public int Window { get; init; } = 1;

    /// <summary>The RELP window when playbooks.yaml names none (librelp's <c>RELP_DFLT_WINDOW_SIZE</c>).</summary>
    public const int DefaultRelpWindow = 128;

    /// <summary>The largest RELP window accepted: a run in memory is at most this many queued messages of 64 KiB.</summary>
    public const int MaxRelpWindow = 1024;
}
