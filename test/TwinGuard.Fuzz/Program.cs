using System.Runtime.InteropServices;
using SharpFuzz;
using TwinGuard.Fuzz;

// twinguard-fuzz TARGET           run TARGET under afl-fuzz (instrumented assemblies, see bench/fuzz.sh)
// twinguard-fuzz TARGET FILE...   run TARGET once on each file (reproduce a crash), instrumented build or not
// twinguard-fuzz --list           the targets
if (args.Length == 0 || args[0] == "--list")
{
    Console.WriteLine(string.Join('\n', FuzzTargets.Names));
    return args.Length == 0 ? 2 : 0;
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"twinguard-fuzz: no target '{args[0]}' (--list names them)");
    return 2;
}

if (args.Length > 1)
{
    // An instrumented assembly counts every branch into SharpFuzz's trace map, which only the fuzzing loop sets up:
    // outside it the first instrumented branch dereferenced a null map (a NullReferenceException in whatever the
    // target called first, not a finding). The replay gets a map of its own, which nobody reads.
    unsafe
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(1 << 16);
        }
    }

    var failed = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            target(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            // stdout: FILE, the exception's type and the innermost TwinGuard frame it passed (bench/fuzz.sh keeps one
            // input per such cause); stderr: the whole exception.
            failed++;
            var frame = e.StackTrace?.Split('\n').Select(static l => l.Trim()).FirstOrDefault(static l => l.StartsWith("at TwinGuard.", StringComparison.Ordinal)) ?? "?";
            Console.WriteLine($"{file}\t{e.GetType().FullName}\t{frame.Split(" in ")[0]}");
            Console.Error.WriteLine($"{file}: {e}");
        }
    }

    return failed == 0 ? 0 : 1;
}

// Out of process: the fork server afl talks to starts this program again as a child that runs the inputs in a
// loop (persistent, no new process per input), and starts a new child when afl kills one for a timeout or an
// input kills it. With the in-process loop (Fuzzer.Run) the fork server *is* the loop: afl's kill on a timeout
// (its automatic timeout was 20 ms for mqtt-framing, which a GC pause on the loaded machine passes) ended the
// fork server itself, and afl stopped ("Unable to communicate with fork server", after 225 executions).
// TWINGUARD_FUZZ_IN_PROCESS=1 keeps the old in-process loop (two process wake-ups per input instead of four), for
// measuring what the child costs.
void Run(Stream stream)
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
}

if (Environment.GetEnvironmentVariable("TWINGUARD_FUZZ_IN_PROCESS") == "1")
{
    Fuzzer.Run(Run);
}
else
{
    Fuzzer.OutOfProcess.Run(Run);
}

return 0;
