using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Server.Hosting;

/// <summary>Free TCP ports on 127.0.0.1, for the demo, benchmarks and tests that start their own servers.</summary>
/// <remarks>Also compiled into the test projects that do not reference this assembly (linked from their project files).</remarks>
internal static class LoopbackPorts
{
    /// <summary>Lowest port handed out: below it are the well-known and registered services of a machine (PostgreSQL, Redis, brokers).</summary>
    private const int Lowest = 10_000;

    /// <summary>Fewest ports worth picking from outside the operating system's own range; with fewer, the system picks.</summary>
    private const int FewestOutside = 1_000;

    private static readonly (int Low, int High) Range = OutsideEphemeral();

    /// <summary>The next port to try: each process starts at a place of its own and walks on, so it never hands out one port twice.</summary>
    private static int _next = Random.Shared.Next();

    /// <summary>A port that was free a moment ago, from outside the range the operating system hands out on its own.</summary>
    /// <remarks>
    /// Why not port 0 (the system picks): between being found free and being bound by the server it is for, such a port
    /// is the system's to give again, to any process that binds port 0 or connects out (its local port). In CI the test
    /// processes run side by side and make thousands of connections: a simulate run's HTTP port, found free that way,
    /// was taken before it was bound ("address already in use"). Ports below the ephemeral range are never given out by
    /// the system, so only another caller of this method could take one, and each process walks its own stretch of them.
    /// The race is then rare, not gone: servers that can bind first should (port 0, read back), and a host started on
    /// ports from here should start again on new ones when one was taken (<see cref="StartOnFreePortsAsync{T}"/>).
    /// </remarks>
    public static int Free()
    {
        var (low, high) = Range;
        for (var tries = 0; high > low && tries < 64; tries++)
        {
            var port = low + (int)((uint)Interlocked.Increment(ref _next) % (uint)(high - low));
            if (IsFree(port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs <paramref name="buildAndStart"/>, which builds and starts a host on ports from <see cref="Free"/>, again (on
    /// ports it picks anew) when one of them was taken between being found free and being bound: another process may take
    /// it meanwhile, as the parallel test processes of CI did. At most three tries; any other failure is thrown at once.
    /// </summary>
    public static async Task<T> StartOnFreePortsAsync<T>(Func<Task<T>> buildAndStart)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await buildAndStart();
            }
            catch (Exception ex) when (attempt < 3 && IsAddressInUse(ex))
            {
            }
        }
    }

    /// <summary>Whether the failure (or one inside it) is a port already in use.</summary>
    public static bool IsAddressInUse(Exception? exception) => exception switch
    {
        null => false,
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsAddressInUse),
        _ => IsAddressInUse(exception.InnerException),
    };

    /// <summary>Whether <paramref name="port"/> on 127.0.0.1 can be bound now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The ports below the system's ephemeral range and above <see cref="Lowest"/>, or an empty range when too few.</summary>
    private static (int Low, int High) OutsideEphemeral()
    {
        var ephemeralLow = 49_152; // IANA's dynamic range: Windows' and macOS's default
        try
        {
            // Linux: "32768\t60999" by default.
            const string linux = "/proc/sys/net/ipv4/ip_local_port_range";
            if (File.Exists(linux))
            {
                var first = File.ReadAllText(linux).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
                ephemeralLow = int.Parse(first, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0);
        }

        return ephemeralLow - Lowest >= FewestOutside ? (Lowest, ephemeralLow) : (0, 0);
    }
}
