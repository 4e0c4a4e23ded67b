using TwinGuard.Fuzz;

namespace TwinGuard.Fuzz.Tests;

/// <summary>
/// CI's share of fuzzing: every input the campaigns kept (corpus/) and every input that once crashed a parser
/// (regressions/) goes through its target again, uninstrumented; the campaigns themselves run in bench/fuzz.sh.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in (string[])["corpus", "regressions"])
        {
            var root = Path.Combine(AppContext.BaseDirectory, kind);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var directory in Directory.GetDirectories(root))
            {
                foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
                {
                    data.Add(Path.GetFileName(directory), Path.GetRelativePath(AppContext.BaseDirectory, file));
                }
            }
        }

        return data;
    }

    [Fact]
    public void Inputs_EveryTarget_HasACorpus()
    {
        var targets = Inputs().Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        Assert.All(FuzzTargets.Names, name => Assert.Contains(name, targets));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Target_KeptInput_ParsesOrRefusesWithoutCrashing(string target, string file)
    {
        var run = FuzzTargets.Find(target) ?? throw new InvalidOperationException($"{file}: no fuzz target '{target}'");

        run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file)));
    }
}
