namespace TwinGuard.Edge;

/// <summary>The command line is wrong; the message says what and where.</summary>
internal sealed class EdgeUsageException(string message) : Exception(message);
