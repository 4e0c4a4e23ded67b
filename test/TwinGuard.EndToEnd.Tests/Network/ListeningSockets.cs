using System.Globalization;
using System.Net;

namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>The TCP sockets this process listens on, read as <c>ss -ltn</c> does: /proc/net/tcp{,6} joined with /proc/self/fd.</summary>
internal static class ListeningSockets
{
    private const string Listen = "0A"; // TCP_LISTEN in include/net/tcp_states.h

    /// <summary>Each listening socket as "address port" (<c>127.0.0.1 1883</c>, <c>:: 8883</c>), with its inode.</summary>
    public static IReadOnlyDictionary<long, string> OfThisProcess()
    {
        var mine = new HashSet<long>();
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                mine.Add(long.Parse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture));
            }
        }

        var sockets = new Dictionary<long, string>();
        foreach (var file in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var inode = long.Parse(fields[9], CultureInfo.InvariantCulture);
                if (fields[3] == Listen && mine.Contains(inode))
                {
                    var colon = fields[1].IndexOf(':', StringComparison.Ordinal);
                    var address = Address(fields[1][..colon]);
                    var port = int.Parse(fields[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    sockets[inode] = $"{address} {port}";
                }
            }
        }

        return sockets;
    }

    // The kernel prints the address as 32-bit words in host byte order (little-endian here).
    private static IPAddress Address(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var i = 0; i < bytes.Length; i += 4)
        {
            Array.Reverse(bytes, i, 4);
        }

        return new IPAddress(bytes);
    }
}
