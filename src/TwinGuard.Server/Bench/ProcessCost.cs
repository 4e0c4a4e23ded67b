using System.Diagnostics;

namespace TwinGuard.Server.Bench;

/// <summary>
/// CPU time and managed allocations of this whole process from <see cref="Start"/> on, per unit of work: figures that a
/// loaded machine disturbs far less than wall-clock rates (other processes take turns on the cores, not our CPU time).
/// </summary>
internal sealed class ProcessCost
{
    private readonly TimeSpan _cpu;
    private readonly long _allocated;

    private ProcessCost(TimeSpan cpu, long allocated) => (_cpu, _allocated) = (cpu, allocated);

    public static ProcessCost Start() => new(Cpu(), GC.GetTotalAllocatedBytes(precise: false));

    /// <summary>Microseconds of CPU (every thread) since <see cref="Start"/>, per one of <paramref name="units"/>.</summary>
    public double CpuMicrosecondsPer(long units) => (Cpu() - _cpu).TotalMicroseconds / units;

    /// <summary>Bytes allocated (every thread) since <see cref="Start"/>, per one of <paramref name="units"/>.</summary>
    public double AllocatedBytesPer(long units) => (double)(GC.GetTotalAllocatedBytes(precise: false) - _allocated) / units;

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
