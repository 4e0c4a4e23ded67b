using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>
/// A RELP server written out by hand in the test, one frame at a time, so that a test can answer as no conforming
/// collector would: out of order, for a transaction never sent, refusing, or closing halfway through a window.
/// </summary>
/// <remarks>librelp doc/relp.html: <c>TXNR SP COMMAND SP DATALEN [SP DATA] LF</c>; an answer is <c>TXNR rsp LEN
/// CODE ...</c> with the transaction number of the command it answers.</remarks>
internal sealed class HandMadeRelpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public HandMadeRelpServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Takes the next connection and answers its <c>open</c> (200, offering <c>syslog</c>).</summary>
    public async Task<Peer> AcceptOpenedAsync(CancellationToken cancellationToken)
    {
        var peer = new Peer(await _listener.AcceptTcpClientAsync(cancellationToken));
        await peer.AnswerOpenAsync(cancellationToken);
        return peer;
    }

    /// <summary>Takes the next connection without answering anything yet.</summary>
    public async Task<Peer> AcceptAsync(CancellationToken cancellationToken) => new(await _listener.AcceptTcpClientAsync(cancellationToken));

    public void Dispose() => _listener.Dispose();

    /// <summary>One client connection.</summary>
    internal sealed class Peer(TcpClient client) : IDisposable
    {
        private readonly BufferedStream _stream = new(client.GetStream());

        public async Task<(int Txnr, string Command, string Data)> ReadFrameAsync(CancellationToken cancellationToken)
        {
            var txnr = int.Parse(await TokenAsync(cancellationToken), CultureInfo.InvariantCulture);
            var command = await TokenAsync(cancellationToken);
            var (lengthText, last) = await TokenWithEndAsync(cancellationToken);
            var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
            if (last == '\n')
            {
                return (txnr, command, string.Empty);
            }

            var data = new byte[length];
            await _stream.ReadExactlyAsync(data, cancellationToken);
            var trailer = new byte[1];
            await _stream.ReadExactlyAsync(trailer, cancellationToken);
            return trailer[0] == '\n' ? (txnr, command, Encoding.UTF8.GetString(data)) : throw new InvalidDataException("frame without LF");
        }

        /// <summary>Reads the client's <c>open</c> and answers it 200, offering <c>syslog</c>.</summary>
        public async Task AnswerOpenAsync(CancellationToken cancellationToken)
        {
            var open = await ReadFrameAsync(cancellationToken);
            if (open.Command != "open")
            {
                throw new InvalidOperationException($"expected open, received {open.Command}");
            }

            await AnswerAsync(open.Txnr, "200 OK\nrelp_version=0\ncommands=syslog", cancellationToken);
        }

        /// <summary>Returns once the client has closed the connection (read returns nothing, or it was reset).</summary>
        public async Task ClosedByClientAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            try
            {
                while (await _stream.ReadAsync(buffer, cancellationToken) > 0)
                {
                }
            }
            catch (IOException)
            {
                // Reset: closed as well.
            }
        }

        public async Task AnswerAsync(int txnr, string data, CancellationToken cancellationToken)
        {
            var bytes = Encoding.UTF8.GetBytes(data);
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{txnr} rsp {bytes.Length} ")), cancellationToken);
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }

        public void Dispose()
        {
            _stream.Dispose();
            client.Dispose();
        }

        private async Task<string> TokenAsync(CancellationToken cancellationToken) => (await TokenWithEndAsync(cancellationToken)).Token;

        private async Task<(string Token, int End)> TokenWithEndAsync(CancellationToken cancellationToken)
        {
            var token = new StringBuilder();
            var one = new byte[1];
            while (true)
            {
                await _stream.ReadExactlyAsync(one, cancellationToken);
                if (one[0] is (byte)' ' or (byte)'\n')
                {
                    return (token.ToString(), one[0]);
                }

                token.Append((char)one[0]);
            }
        }
    }
}
