namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>One received chunk: its header fields and the bytes after the 8-byte header.</summary>
/// <param name="Type">The message type.</param>
/// <param name="ChunkType">'F' final, 'C' intermediate, 'A' abort (§6.7.2.2).</param>
/// <param name="Body">The bytes after the message header.</param>
public sealed record UaTcpChunk(UaTcpMessageType Type, byte ChunkType, ReadOnlyMemory<byte> Body);
