using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Benchmarks;

/// <summary>
/// IOC index lookups on 100k indicators (40% IPv4 addresses, 10% IPv4 networks, 10% IPv6 addresses and networks,
/// 20% domains and host names, 10% URLs, 10% SHA-256), one probe in ten listed. Same mix as <c>twinguard bench intel</c>.
/// </summary>
[MemoryDiagnoser]
public class IntelIndexBenchmarks
{
    private const int Probes = 1024;
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private IocIndex _index = IocIndex.Empty;
    private IPAddress[] _v4 = [];
    private IPAddress[] _v6 = [];
    private string[] _hosts = [];
    private string[] _urls = [];
    private string[] _hashes = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(6);
        var indicators = new List<Indicator>();
        var v4 = new List<IPAddress>();
        var v6 = new List<IPAddress>();
        var hosts = new List<string>();
        var urls = new List<string>();
        var hashes = new List<string>();
        void Add(IndicatorType type, string value)
        {
            if (IndicatorValue.TryNormalize(type, value, out var canonical, out _))
            {
                indicators.Add(new Indicator(type, canonical, "bench", value) { LastSeen = Now });
            }
        }

        for (var i = 0; i < 40_000; i++)
        {
            var a = V4((uint)random.NextInt64(0x0B000000, 0xDF000000));
            v4.Add(a);
            Add(IndicatorType.IPAddress, a.ToString());
        }

        for (var i = 0; i < 10_000; i++)
        {
            Add(IndicatorType.IPAddress, $"{V4((uint)random.NextInt64(0x0B000000, 0xDF000000))}/{random.Next(16, 30)}");
        }

        for (var i = 0; i < 10_000; i++)
        {
            var a = V6(random);
            if (i % 2 == 0)
            {
                v6.Add(a);
            }

            Add(IndicatorType.IPAddress, i % 2 == 0 ? a.ToString() : $"{a}/{random.Next(32, 64)}");
        }

        for (var i = 0; i < 20_000; i++)
        {
            var host = $"h{random.Next():x}.example{i % 97}.test";
            hosts.Add(host);
            Add(i % 3 == 0 ? IndicatorType.Hostname : IndicatorType.Domain, host);
        }

        for (var i = 0; i < 10_000; i++)
        {
            var url = $"http://u{random.Next():x}.test/p/{i}";
            urls.Add(url);
            Add(IndicatorType.Url, url);
        }

        for (var i = 0; i < 10_000; i++)
        {
            var hash = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + new string('0', 48);
            hashes.Add(hash);
            Add(IndicatorType.Sha256, hash);
        }

        _index = IocIndex.Build(indicators);
        T[] Mix<T>(List<T> listed, Func<T> other) =>
            Enumerable.Range(0, Probes).Select(i => i % 10 == 0 ? listed[random.Next(listed.Count)] : other()).ToArray();
        _v4 = Mix(v4, () => V4((uint)random.NextInt64(0, uint.MaxValue)));
        _v6 = Mix(v6, () => V6(random));
        _hosts = Mix(hosts, () => $"www.h{random.Next():x}.example{random.Next(97)}.test");
        _urls = Mix(urls, () => $"http://u{random.Next():x}.test/p/{random.Next()}");
        _hashes = Mix(hashes, () => Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())) + new string('1', 48));
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public int MatchIPv4() => Count(_v4, a => _index.Match(a, Now));

    [Benchmark(OperationsPerInvoke = Probes)]
    public int MatchIPv6() => Count(_v6, a => _index.Match(a, Now));

    [Benchmark(OperationsPerInvoke = Probes)]
    public int MatchHost() => Count(_hosts, h => _index.MatchHost(h, Now));

    [Benchmark(OperationsPerInvoke = Probes)]
    public int MatchUrl() => Count(_urls, u => _index.MatchUrl(u, Now));

    [Benchmark(OperationsPerInvoke = Probes)]
    public int MatchHash() => Count(_hashes, h => _index.MatchHash(h, Now));

    private static int Count<T>(T[] probes, Func<T, IocMatch?> lookup)
    {
        var hits = 0;
        foreach (var probe in probes)
        {
            if (lookup(probe) is not null)
            {
                hits++;
            }
        }

        return hits;
    }

    private static IPAddress V4(uint address) => new(BinaryPrimitives.ReverseEndianness(address));

    private static IPAddress V6(Random random)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)random.NextInt64() & 0x1FFF_FFFF_FFFF_FFFFUL) | 0x2000_0000_0000_0000UL);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), (ulong)random.NextInt64());
        return new IPAddress(bytes);
    }
}
