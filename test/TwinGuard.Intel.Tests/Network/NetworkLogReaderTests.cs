using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TwinGuard.Intel.Network;

namespace TwinGuard.Intel.Tests.Network;

public sealed class NetworkLogReaderTests
{
    /// <summary>Records shaped as in the Suricata user guide's "Eve JSON Format" examples.</summary>
    private const string Alert = """{"timestamp":"2026-10-15T10:00:01.534255+0100","flow_id":1676750115612680,"in_iface":"eth0","event_type":"alert","src_ip":"10.20.0.15","src_port":49152,"dest_ip":"203.0.113.7","dest_port":502,"proto":"TCP","app_proto":"modbus","alert":{"action":"allowed","gid":1,"signature_id":2100498,"rev":7,"signature":"GPL ATTACK_RESPONSE id check returned root","category":"Potentially Bad Traffic","severity":2}}""";

    private const string Flow = """{"timestamp":"2026-10-15T09:00:02.000000+0000","flow_id":2,"event_type":"flow","src_ip":"2001:db8::5","src_port":1883,"dest_ip":"2001:db8::9","dest_port":51000,"proto":"TCP","flow":{"pkts_toserver":3,"state":"closed"}}""";

    private const string Dns = """{"timestamp":"2026-10-15T09:00:03.000000+0000","event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.53","proto":"UDP","dns":{"type":"query","rrname":"evil.example"}}""";

    private static void Append(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public void EveTryParse_Alert_ReadsEndpointsAndSignature()
    {
        Assert.True(EveJsonParser.TryParse(Alert, out var ev, out var error), error);

        Assert.NotNull(ev);
        Assert.Equal(NetworkEventKind.Alert, ev.Kind);
        Assert.Equal(new DateTimeOffset(2026, 10, 15, 9, 0, 1, TimeSpan.Zero).AddTicks(5342550), ev.Time);
        Assert.Equal(IPAddress.Parse("10.20.0.15"), ev.SourceAddress);
        Assert.Equal(502, ev.DestinationPort);
        Assert.Equal("tcp", ev.Protocol);
        Assert.Equal(2100498, ev.SignatureId);
        Assert.Equal(2, ev.Severity);
        Assert.Equal("modbus", ev.Service);
    }

    [Theory]
    [InlineData("{\"event_type\":\"alert\",\"timestamp\":\"2026-10-15T10:00:00+0000\",\"src_ip\":\"x\",\"dest_ip\":\"10.0.0.1\"}", "not an address")]
    [InlineData("{\"event_type\":\"flow\",\"timestamp\":\"noon\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.1\"}", "not ISO 8601")]
    [InlineData("{\"timestamp\":\"2026-10-15T10:00:00+0000\"}", "no event_type")]
    [InlineData("{\"event_type\":\"alert\",\"timestamp\":\"2026-10-15T10:00:00+0000\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.1\"}", "without an \"alert\"")]
    [InlineData("{\"event_type\":", "not valid JSON")]
    public void EveTryParse_Malformed_SaysWhy(string line, string reason)
    {
        Assert.False(EveJsonParser.TryParse(line, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowAsync_EveFileGrowsWhileTailed_YieldsEachEventOnce()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        Append(path, Alert + "\n" + Dns + "\n");
        var time = new FakeTimeProvider();
        using var tailer = new LogTailer(path);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var lines = tailer.FollowAsync(TimeSpan.FromSeconds(1), time, stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await lines.MoveNextAsync());
        Assert.Equal(Alert, lines.Current);
        Assert.True(await lines.MoveNextAsync());
        Assert.Equal(Dns, lines.Current);

        // The reader is now waiting for the next poll. Write half a record, poll, then the rest, poll.
        var next = lines.MoveNextAsync().AsTask();
        Append(path, Flow[..40]);
        time.Advance(TimeSpan.FromSeconds(1));
        Append(path, Flow[40..] + "\n");

        // Poll until the reader has the line: the observable condition, with the token's deadline.
        while (!next.IsCompleted && !stop.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(5), CancellationToken.None));
        }

        Assert.True(await next);
        Assert.Equal(Flow, lines.Current);
    }

    [Fact]
    public void ReadAvailable_EveFileGrows_ParsesNewEventsAndReportsBadLines()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        using var reader = new NetworkLogReader(path);
        var problems = new List<string>();

        Append(path, Alert + "\n" + Dns + "\n{broken\n" + Flow[..30]);
        var first = reader.ReadAvailable(problems);
        Append(path, Flow[30..] + "\n");
        var second = reader.ReadAvailable(problems);

        Assert.Equal(NetworkLogFormat.SuricataEve, reader.Format);
        Assert.Equal(NetworkEventKind.Alert, Assert.Single(first).Kind);
        Assert.Equal(NetworkEventKind.Flow, Assert.Single(second).Kind);
        Assert.Equal(IPAddress.Parse("2001:db8::5"), second[0].SourceAddress);
        Assert.StartsWith($"{path}:3: not valid JSON", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAvailable_ZeekTsvWithHeader_ParsesConnections()
    {
        using var temp = new TempDirectory();
        var path = temp.File("conn.log");
        // Zeek ASCII log format: escaped separator, then the header, then tab-separated records.
        Append(path, """
            #separator \x09
            #set_separator	,
            #empty_field	(empty)
            #unset_field	-
            #path	conn
            #open	2026-10-15-10-00-00
            #fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	conn_state
            #types	time	string	addr	port	addr	port	enum	string	interval	string
            1790000000.096535	CHhAvVGS1DHFjwGM9	10.20.0.15	49152	203.0.113.7	502	tcp	modbus	0.5	SF
            1790000001.000000	C2	10.20.0.16	-	203.0.113.8	-	icmp	-	-	OTH
            1790000002.000000	C3	10.20.0.17	1
            """ + "\n");
        using var reader = new NetworkLogReader(path);
        var problems = new List<string>();

        var events = reader.ReadAvailable(problems);

        Assert.Equal(NetworkLogFormat.ZeekConn, reader.Format);
        Assert.Equal(2, events.Count);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1790000000).AddTicks(965350), events[0].Time);
        Assert.Equal("CHhAvVGS1DHFjwGM9", events[0].FlowId);
        Assert.Equal("modbus", events[0].Service);
        Assert.Null(events[1].SourcePort);
        Assert.Null(events[1].Service);
        Assert.Contains(":11: 4 fields but the #fields header names 10", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAvailable_ZeekNoticeLog_ParsesNoticesAsAlerts()
    {
        using var temp = new TempDirectory();
        var path = temp.File("notice.log");
        // A Modbus notice with a connection, and a scan notice that has only src (Zeek's notice.log fields).
        Append(path, """
            #separator \x09
            #set_separator	,
            #empty_field	(empty)
            #unset_field	-
            #path	notice
            #fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	note	msg	sub	src	dst	p	n	actions	suppress_for
            #types	time	string	addr	port	addr	port	enum	enum	string	string	addr	addr	port	count	set[enum]	interval
            1790000100.500000	CzXF3r1	10.20.9.77	51544	10.20.0.5	502	tcp	Modbus::Write_To_Protected_Register	holding register 40001 written	-	10.20.9.77	10.20.0.5	502	-	Notice::ACTION_LOG	3600.000000
            1790000200.000000	-	-	-	-	-	-	Scan::Port_Scan	10.20.9.77 scanned at least 15 unique ports of host 10.20.0.5 in 0m2s	local	10.20.9.77	-	-	-	Notice::ACTION_LOG	3600.000000
            """ + "\n");
        using var reader = new NetworkLogReader(path);
        var problems = new List<string>();

        var events = reader.ReadAvailable(problems);

        Assert.Empty(problems);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal((NetworkEventKind.Alert, "zeek", 2), (e.Kind, e.Sensor, e.Severity!.Value)));
        Assert.Equal("Modbus::Write_To_Protected_Register: holding register 40001 written", events[0].Signature);
        Assert.Equal((IPAddress.Parse("10.20.9.77"), IPAddress.Parse("10.20.0.5"), 502), (events[0].SourceAddress, events[0].DestinationAddress, events[0].DestinationPort!.Value));
        Assert.StartsWith("Scan::Port_Scan: ", events[1].Signature, StringComparison.Ordinal);
        Assert.Equal(IPAddress.Parse("10.20.9.77"), events[1].SourceAddress);
    }

    [Fact]
    public void ReadAvailable_ZeekJson_ParsesConnections()
    {
        using var temp = new TempDirectory();
        var path = temp.File("conn.log");
        Append(path, """
            {"ts":1790000000.5,"uid":"C1","id.orig_h":"10.20.0.15","id.orig_p":49152,"id.resp_h":"203.0.113.7","id.resp_p":502,"proto":"tcp","conn_state":"S0"}
            {"ts":"2026-10-15T10:00:00.000000Z","uid":"C2","id.orig_h":"10.20.0.16","id.orig_p":1,"id.resp_h":"2001:db8::1","id.resp_p":2,"proto":"udp"}
            {"ts":"later","uid":"C3","id.orig_h":"10.20.0.16","id.resp_h":"10.0.0.1"}
            """ + "\n");
        using var reader = new NetworkLogReader(path);
        var problems = new List<string>();

        var events = reader.ReadAvailable(problems);

        Assert.Equal(2, events.Count);
        Assert.Equal(new DateTimeOffset(2026, 10, 15, 10, 0, 0, TimeSpan.Zero), events[1].Time);
        Assert.Contains("ts 'later' is not a time", Assert.Single(problems), StringComparison.Ordinal);
    }
}
