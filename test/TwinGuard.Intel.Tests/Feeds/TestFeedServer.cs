using System.Net;

namespace TwinGuard.Intel.Tests.Feeds;

/// <summary>A real HTTP server on a free loopback port whose answers the test decides, request by request.</summary>
internal sealed class TestFeedServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly Func<HttpListenerRequest, HttpListenerResponse, byte[]?> _handler;
    private readonly List<string> _requests = [];

    public TestFeedServer(Func<HttpListenerRequest, HttpListenerResponse, byte[]?> handler)
    {
        _handler = handler;
        // Not a port 0 probe closed before the listener starts: the system hands that port out again at once.
        (_listener, var port) = Testing.LoopbackHttpListener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>Each request as "METHOD path [If-None-Match] [If-Modified-Since]".</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var request = context.Request;
            lock (_requests)
            {
                _requests.Add($"{request.HttpMethod} {request.Url!.AbsolutePath} inm={request.Headers["If-None-Match"]} ims={request.Headers["If-Modified-Since"]}");
            }

            var body = _handler(request, context.Response);
            if (body is not null)
            {
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }

            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
