using TwinGuard.Intel.Network;

namespace TwinGuard.Intel.Tests;

/// <summary>Inputs afl++ found crashing the network log parsers (test/TwinGuard.Fuzz/regressions/eve-line, zeek-line).</summary>
public sealed class NetworkLogParserFuzzRegressionTests
{
    [Fact]
    public void EveTryParse_PortIsAnObject_ParsedWithoutThatPort()
    {
        var line = """{"timestamp":"2026-11-26T00:00:00.80+0000","event_type":"alert","src_ip":"198.51.100.7","src_port":{},"dest_ip":"127.0.0.1","dest_port":1883,"proto":"TCP","alert":{"signature_id":1,"signature":"x","severity":2}}""";

        var parsed = EveJsonParser.TryParse(line, out var networkEvent, out var error);

        Assert.True(parsed, error);
        Assert.NotNull(networkEvent);
    }

    [Fact]
    public void EveTryParse_AlertSeverityIsAString_ParsedWithoutThatSeverity()
    {
        var line = """{"timestamp":"2026-11-26T00:00:00.00+0000","event_type":"alert","src_ip":"198.51.100.7","dest_ip":"127.0.0.1","proto":"TCP","alert":{"signature_id":"7","signature":"C-N","severity":"scan"}}""";

        var parsed = EveJsonParser.TryParse(line, out var networkEvent, out var error);

        Assert.True(parsed, error);
        Assert.Null(networkEvent!.Severity);
        Assert.Null(networkEvent.SignatureId);
    }

    [Fact]
    public void ZeekTryParse_EpochBeyondYear9999_RefusedAsNotATime()
    {
        var parser = new ZeekConnLogParser();
        parser.TryParse("#separator \\x09", out _, out _);
        parser.TryParse("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto", out _, out _);

        var parsed = parser.TryParse("1761e23\tC1\t198.51.100.7\t4444\t127.0.0.1\t502\ttcp", out _, out var error);

        Assert.False(parsed);
        Assert.Contains("is not a time", error, StringComparison.Ordinal);
    }
}
