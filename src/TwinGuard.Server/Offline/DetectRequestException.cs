namespace TwinGuard.Server.Offline;

/// <summary>An offline detection request that cannot run as given (a missing or contradictory option); the message says which.</summary>
internal sealed class DetectRequestException(string message) : Exception(message);
