using TwinGuard.Intel.Correlation;
using TwinGuard.Intel.Indicators;
using TwinGuard.Intel.Sharing;

namespace TwinGuard.Intel.Tests.Sharing;

public sealed class SightingLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 10, 15, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_AppendedTwice_MergesByValue()
    {
        using var temp = new TempDirectory();
        var log = new SightingLog(temp.File("intel/sightings.jsonl"));
        var atom = new IndicatorAtom(IndicatorType.IPAddress, "203.0.113.7");

        log.Append([new Sighting(atom, Now, Now, 1, "first") { IsSource = true }]);
        log.Append([new Sighting(atom, Now.AddHours(1), Now.AddHours(2), 2, "second"), new Sighting(new IndicatorAtom(IndicatorType.Domain, "evil.example"), Now, Now, 1, null)]);
        var read = log.Read();

        Assert.Equal(2, read.Count);
        Assert.Equal(new Sighting(atom, Now, Now.AddHours(2), 3, "second") { IsSource = true }, read[0]);
    }

    [Fact]
    public void Read_MalformedLine_SaysFileAndLine()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("s.jsonl"), "{\"type\":\"IPAddress\",\"value\":\"192.0.2.1\",\"first_seen\":\"2026-10-15T10:00:00Z\",\"last_seen\":\"2026-10-15T10:00:00Z\",\"count\":1}\n{\"type\":\"IPAddress\",\"value\":\"nope\"}\n");

        var ex = Assert.Throws<InvalidDataException>(() => new SightingLog(temp.File("s.jsonl")).Read());

        Assert.Contains("s.jsonl:2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoFile_IsEmpty()
    {
        using var temp = new TempDirectory();

        Assert.Empty(new SightingLog(temp.File("none.jsonl")).Read());
    }
}
