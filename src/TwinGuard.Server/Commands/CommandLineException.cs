namespace TwinGuard.Server.Commands;

/// <summary>A mistake in how a command was called; its message is shown to the user as one line.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
