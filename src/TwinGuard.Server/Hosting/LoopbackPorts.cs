using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Server.Hosting;

/// <summary>Free TCP ports on 127.0.0.1, for the demo, benchmarks and tests that start their own servers.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago (the operating system picks it).</summary>
    public static int Free()
    {
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

    private static bool IsAddressInUse(Exception? exception) => exception switch
    {
        null => false,
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsAddressInUse),
        _ => IsAddressInUse(exception.InnerException),
    };
}
