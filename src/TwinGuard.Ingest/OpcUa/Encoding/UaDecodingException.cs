namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A message that does not follow OPC 10000-6 or exceeds a decoding limit: refused whole, never half-read.</summary>
/// <param name="message">What was wrong, with the byte offset.</param>
public sealed class UaDecodingException(string message) : OpcUaException(StatusCodes.BadDecodingError, message);
