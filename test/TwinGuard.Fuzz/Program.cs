using SharpFuzz;
using TwinGuard.Fuzz;

// twinguard-fuzz TARGET           run TARGET under afl-fuzz (instrumented assemblies, see bench/fuzz.sh)
// twinguard-fuzz TARGET FILE...   run TARGET once on each file (reproduce a crash)
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
    foreach (var file in args.Skip(1))
    {
        target(File.ReadAllBytes(file));
    }

    return 0;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
