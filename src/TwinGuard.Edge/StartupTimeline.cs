using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TwinGuard.Edge;

/// <summary>
/// Where the agent's start-up goes: each phase's wall time, logged on the ready line, so that a slow start can be read
/// from the log (issue #25's goal is process start to the first accepted reading).
/// </summary>
/// <remarks>Phases are marked on the starting thread, in order; the first counts from the process's start.</remarks>
internal sealed class StartupTimeline
{
    private readonly List<(string Phase, double Milliseconds)> _phases = [];
    private readonly long _processStart;
    private long _last;

    /// <summary>Starts the timeline; the time before <c>Main</c> (loading the executable, runtime start) is its first phase.</summary>
    public StartupTimeline()
    {
        // The process's start is known only as a wall-clock time (to the kernel's clock tick); the phases after it are
        // measured on the monotonic clock.
        using var self = Process.GetCurrentProcess();
        var sinceStart = TimeProvider.System.GetUtcNow().UtcDateTime - self.StartTime.ToUniversalTime();
        _last = Stopwatch.GetTimestamp();
        _processStart = _last - (long)(sinceStart.TotalSeconds * Stopwatch.Frequency);
        _phases.Add(("process", sinceStart.TotalMilliseconds));
    }

    /// <summary>Milliseconds since the process started.</summary>
    public double SinceStart => Stopwatch.GetElapsedTime(_processStart).TotalMilliseconds;

    /// <summary>Ends the current phase under <paramref name="phase"/>'s name.</summary>
    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        _phases.Add((phase, Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds));
        _last = now;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (phase, ms) in _phases)
        {
            text.Append(text.Length == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"{phase} {ms:F1}");
        }

        return text.Append(" ms").ToString();
    }
}
