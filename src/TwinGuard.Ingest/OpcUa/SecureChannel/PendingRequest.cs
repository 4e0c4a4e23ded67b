using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Transport;

namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>A request waiting for its response, and the chunks of that response received so far.</summary>
/// <remarks>The reassembled message is bounded by the message size and chunk count this side announced in its Hello.</remarks>
internal sealed class PendingRequest(TransportLimits limits)
{
    private readonly List<ReadOnlyMemory<byte>> _chunks = [];
    private long _bytes;

    public TaskCompletionSource<ReadOnlyMemory<byte>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Adds a chunk's body; returns the whole message when <paramref name="final"/>.</summary>
    /// <exception cref="OpcUaException">The message exceeds the announced size or chunk count.</exception>
    public ReadOnlyMemory<byte>? Add(ReadOnlyMemory<byte> body, bool final)
    {
        _bytes += body.Length;
        _chunks.Add(body);
        if (limits.MaxChunkCount != 0 && _chunks.Count > limits.MaxChunkCount)
        {
            throw new OpcUaException(StatusCodes.BadEncodingLimitsExceeded, $"a response in more than {limits.MaxChunkCount} chunks (OPC 10000-6 §7.1.2.3 MaxChunkCount)");
        }

        if (limits.MaxMessageSize != 0 && _bytes > limits.MaxMessageSize)
        {
            throw new OpcUaException(StatusCodes.BadEncodingLimitsExceeded, $"a response of more than {limits.MaxMessageSize} bytes (OPC 10000-6 §7.1.2.3 MaxMessageSize)");
        }

        if (!final)
        {
            return null;
        }

        if (_chunks.Count == 1)
        {
            return _chunks[0];
        }

        var whole = new byte[_bytes];
        var at = 0;
        foreach (var chunk in _chunks)
        {
            chunk.Span.CopyTo(whole.AsSpan(at));
            at += chunk.Length;
        }

        _chunks.Clear();
        return whole;
    }
}
