using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TwinGuard.Server.Bench;

/// <summary>The calling thread's own CPU time: what one thread's work costs, whatever the other processes on the cores do.</summary>
/// <remarks>Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>; elsewhere the process's CPU time, which includes every thread.</remarks>
internal static unsafe partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Nanoseconds of CPU the calling thread has used.</summary>
    public static double Nanoseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime.TotalNanoseconds;
        }

        TimeSpec now;
        clock_gettime(ClockThreadCpuTimeId, &now);
        return (now.Seconds * 1e9) + now.Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, TimeSpec* time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
