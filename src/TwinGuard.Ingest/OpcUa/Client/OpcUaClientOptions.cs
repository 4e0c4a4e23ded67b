using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.OpcUa.Client;

/// <summary>How the client connects.</summary>
/// <param name="RequestTimeout">How long a request waits for its response.</param>
/// <param name="SessionTimeout">The session timeout requested: the server closes a session silent this long.</param>
/// <param name="Limits">The transport limits announced in Hello.</param>
public sealed record OpcUaClientOptions(TimeSpan RequestTimeout, TimeSpan SessionTimeout, TransportLimits Limits)
{
    /// <summary>10 s requests, 60 s sessions, the default transport limits.</summary>
    public static OpcUaClientOptions Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), TransportLimits.Default);

    /// <summary>Most references a Browse may return over all its continuation points.</summary>
    public int MaxBrowseReferences { get; init; } = 100_000;

    /// <summary>The secure channel token lifetime requested (the server revises it); renewed at 75 %.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(60);
}
