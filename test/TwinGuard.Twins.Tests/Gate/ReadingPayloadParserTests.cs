using System.Text;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Twins.Tests.Gate;

public sealed class ReadingPayloadParserTests
{
    private static readonly Twins.Plant.AssetModel Tank = SamplePlant.Load().FindAsset("tank1")!;

    private static ParsedPayload Parse(string json, int signal = -1) => ReadingPayloadParser.Parse(Tank, signal, Encoding.UTF8.GetBytes(json));

    /// <summary>Found by fuzzing (test/TwinGuard.Fuzz/regressions/reading-payload): bad UTF-8 inside a string escaped as InvalidOperationException.</summary>
    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x73, 0x22, 0x3A, 0x20, 0x22, 0xFD, 0x22, 0x7D })]                       // {"ts": "\xFD"}
    [InlineData(new byte[] { 0x7B, 0x22, 0x76, 0x61, 0x6C, 0x75, 0x65, 0x73, 0x22, 0x3A, 0x7B, 0x22, 0xA7, 0x22, 0x3A, 0x31, 0x7D, 0x7D })] // {"values":{"\xA7":1}}
    public void Parse_InvalidUtf8InAString_RefusedAsMalformed(byte[] payload)
    {
        var refused = Assert.Throws<PayloadException>(() => ReadingPayloadParser.Parse(Tank, -1, payload));

        Assert.Contains("not valid UTF-8", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MultiSignal_ReadsEveryValue()
    {
        var parsed = Parse("""{"ts":1764115200123,"seq":17,"values":{"level":1.25,"fluid_temp":24}}""");

        Assert.Equal(17, parsed.Sequence);
        Assert.Equal(1764115200123, parsed.TimestampMs);
        Assert.Equal([new SignalValue(0, 1.25), new SignalValue(1, 24)], parsed.Values);
        Assert.Empty(parsed.Rejected);
    }

    [Fact]
    public void Parse_SingleSignalWithRfc3339Time_ReadsValue()
    {
        var parsed = Parse("""{"ts":"2026-11-26T00:00:00.500Z","seq":1,"value":0.5}""", signal: 0);

        Assert.Equal(DateTimeOffset.Parse("2026-11-26T00:00:00.500Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), parsed.TimestampMs);
        Assert.Equal([new SignalValue(0, 0.5)], parsed.Values);
    }

    [Fact]
    public void Parse_BadValueAmongGood_RefusesOnlyThatValue()
    {
        var parsed = Parse("""{"ts":1,"seq":1,"values":{"level":"high","fluid_temp":24,"colour":3,"x":1e999}}""");

        Assert.Equal([new SignalValue(1, 24)], parsed.Values);
        Assert.Equal(
            [("level", ReasonCode.WrongType), ("colour", ReasonCode.UnknownSignal), ("x", ReasonCode.UnknownSignal)],
            parsed.Rejected.Select(r => (r.SignalId, r.Reason)));
    }

    [Theory]
    [InlineData("""{"ts":1,"seq":1,"value":1,"value":2}""", 0, "'value' appears twice")]
    [InlineData("""{"ts":1,"seq":1,"seq":2,"value":1}""", 0, "'seq' appears twice")]
    [InlineData("""{"ts":1,"ts":2,"seq":1,"value":1}""", 0, "'ts' appears twice")]
    [InlineData("""{"ts":1,"seq":1,"values":{"level":1},"values":{"level":2}}""", -1, "'values' appears twice")]
    [InlineData("""{"ts":1,"seq":1,"values":{"level":1,"fluid_temp":3,"level":2}}""", -1, "'values' names 'level' twice")]
    public void Parse_DuplicateKey_IsMalformed(string json, int signal, string expected)
    {
        var error = Assert.Throws<PayloadException>(() => Parse(json, signal));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Parse_InfiniteNumber_IsNonFinite()
    {
        var parsed = Parse("""{"ts":1,"seq":1,"values":{"level":1e999}}""");

        Assert.Equal(ReasonCode.NonFinite, Assert.Single(parsed.Rejected).Reason);
    }

    [Fact]
    public void Parse_Boot_IsKept_AndZeroWhenAbsent()
    {
        Assert.Equal(3, Parse("""{"ts":1,"boot":3,"seq":1,"values":{"level":1}}""").Boot);
        Assert.Equal(0, Parse("""{"ts":1,"seq":1,"values":{"level":1}}""").Boot);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("""{"seq":1,"values":{}}""", "missing 'ts'")]
    [InlineData("""{"ts":1,"values":{}}""", "missing 'seq'")]
    [InlineData("""{"ts":1,"seq":-4,"values":{}}""", "'seq' must be a non-negative integer")]
    [InlineData("""{"ts":1,"seq":1,"boot":"b2","values":{}}""", "'boot' must be a non-negative integer")]
    [InlineData("""{"ts":"yesterday","seq":1,"values":{}}""", "'ts' must be")]
    [InlineData("""{"ts":"2026-11-26T00:00:00","seq":1,"values":{}}""", "'ts' must be")]
    [InlineData("""{"ts":1,"seq":1}""", "missing 'values'")]
    [InlineData("""{"ts":1,"seq":1,"value":3}""", "'value' needs a topic that names the signal")]
    [InlineData("""{"ts":1,"seq":1,"values":{}} trailing""", "not valid JSON")]
    public void Parse_Malformed_ThrowsWithReason(string json, string expected)
    {
        var error = Assert.Throws<PayloadException>(() => Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Oversized_IsRefusedBeforeParsing()
    {
        var error = Assert.Throws<PayloadException>(() => ReadingPayloadParser.Parse(Tank, -1, new byte[ReadingPayloadParser.MaxPayloadBytes + 1]));

        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ArbitraryBytes_NeverThrowsAnythingButPayloadException()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            try
            {
                Parse(Encoding.UTF8.GetString(bytes));
            }
            catch (PayloadException)
            {
            }
        }
    }
}
