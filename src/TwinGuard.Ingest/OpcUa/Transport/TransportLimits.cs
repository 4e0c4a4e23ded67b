namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>The buffer sizes and message limits of a UA TCP connection (OPC 10000-6 §7.1.2.3, Hello and Acknowledge).</summary>
/// <param name="ReceiveBufferSize">Largest chunk this side accepts (at least 8192).</param>
/// <param name="SendBufferSize">Largest chunk this side sends (at least 8192).</param>
/// <param name="MaxMessageSize">Largest whole message this side accepts; 0 means no limit (never the case for ours).</param>
/// <param name="MaxChunkCount">Most chunks of one message this side accepts; 0 means no limit (never the case for ours).</param>
public sealed record TransportLimits(uint ReceiveBufferSize, uint SendBufferSize, uint MaxMessageSize, uint MaxChunkCount)
{
    /// <summary>The smallest buffer the specification allows (§7.1.2.3).</summary>
    public const uint MinimumBufferSize = 8192;

    /// <summary>What the client asks for: 64 KiB chunks, messages up to 4 MiB in at most 128 chunks.</summary>
    public static TransportLimits Default { get; } = new(65_535, 65_535, 4 << 20, 128);
}
