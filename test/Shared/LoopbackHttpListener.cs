using System.Net;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Testing;

/// <summary>A started <see cref="HttpListener"/> on 127.0.0.1, for tests that play a webhook receiver or a feed.</summary>
/// <remarks>
/// <see cref="HttpListener"/> cannot bind port 0 and tell which port it got: it takes a port from
/// <see cref="LoopbackPorts.Free"/>, which another process beside the test (CI runs the test projects side by side) may
/// bind between being found free and the listener's start. The listener then starts again on another port, as
/// <see cref="LoopbackPorts.StartOnFreePortsAsync{T}"/> does for hosts. Linked from <c>test/Shared</c>.
/// </remarks>
internal static class LoopbackHttpListener
{
    /// <summary>A listener started on <c>http://127.0.0.1:PORT<paramref name="path"/></c>, and its port.</summary>
    /// <param name="path">The prefix's path, starting and ending with '/'.</param>
    public static (HttpListener Listener, int Port) Start(string path = "/")
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPorts.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}{path}");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5 && !LoopbackPorts.IsFree(port))
            {
                // Its error code is the platform's: whether the port is taken is asked of the port itself.
                listener.Close();
            }
        }
    }
}
