using System.Globalization;

namespace TwinGuard.Edge;

/// <summary>The agent's log: one line per event on standard error, with the time on the agent's clock.</summary>
/// <remarks>No logging framework: the agent is small and has one sink. Secrets (keys, passwords) are never passed here.</remarks>
internal sealed class EdgeLog(TextWriter writer, TimeProvider time)
{
    private readonly Lock _gate = new();

    /// <summary>Writes one line.</summary>
    public void Write(string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{time.GetUtcNow():O} {level} {message}");
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    /// <summary>An informational line.</summary>
    public void Info(string message) => Write("info", message);

    /// <summary>A warning line.</summary>
    public void Warn(string message) => Write("warn", message);
}
