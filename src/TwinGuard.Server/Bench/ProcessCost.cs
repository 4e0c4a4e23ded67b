using System.Diagnostics;
using System.Runtime;

namespace TwinGuard.Server.Bench;

/// <summary>
/// CPU time and managed allocations of this whole process from <see cref="Start"/> on, per unit of work: figures that a
/// loaded machine disturbs far less than wall-clock rates (other processes take turns on the cores, not our CPU time);
/// and the garbage collections meanwhile, whose pauses stop every thread of the pipeline (a source of latency tails).
/// </summary>
internal sealed class ProcessCost
{
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly TimeSpan _paused;
    private readonly int[] _collections;

    private ProcessCost(TimeSpan cpu, long allocated) =>
        (_cpu, _allocated, _paused, _collections) = (cpu, allocated, GC.GetTotalPauseDuration(), Collections());

    public static ProcessCost Start() => new(Cpu(), GC.GetTotalAllocatedBytes(precise: false));

    /// <summary>The garbage collections since <see cref="Start"/>: how many of each generation, and their pauses in all.</summary>
    public GcCost Collected()
    {
        var now = Collections();
        return new GcCost(
            GCSettings.IsServerGC ? "server" : "workstation",
            GCSettings.LatencyMode.ToString(),
            now[0] - _collections[0],
            now[1] - _collections[1],
            now[2] - _collections[2],
            (GC.GetTotalPauseDuration() - _paused).TotalMilliseconds);
    }

    /// <summary>Microseconds of CPU (every thread) since <see cref="Start"/>, per one of <paramref name="units"/>.</summary>
    public double CpuMicrosecondsPer(long units) => (Cpu() - _cpu).TotalMicroseconds / units;

    /// <summary>Bytes allocated (every thread) since <see cref="Start"/>, per one of <paramref name="units"/>.</summary>
    public double AllocatedBytesPer(long units) => (double)(GC.GetTotalAllocatedBytes(precise: false) - _allocated) / units;

    // A collection of generation n also counts as one of every younger generation: each figure is the exact count.
    private static int[] Collections() =>
        [GC.CollectionCount(0) - GC.CollectionCount(1), GC.CollectionCount(1) - GC.CollectionCount(2), GC.CollectionCount(2)];

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
