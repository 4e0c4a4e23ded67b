namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>An OPC UA operation failed: the peer refused it, broke the protocol, or could not be reached.</summary>
/// <param name="status">The OPC UA status code that says why (OPC 10000-4 §7.39, OPC 10000-6 Annex A).</param>
/// <param name="message">One line saying what and where.</param>
public class OpcUaException(StatusCode status, string message) : Exception(message)
{
    /// <summary>The status code that says why.</summary>
    public StatusCode Status { get; } = status;
}
