using System.Net.Sockets;
using System.Security.Cryptography;
using TwinGuard.Ledger.Checkpoints;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>
/// A signer process in miniature on a Unix socket, as <c>--ledger-signer-socket</c> talks to: reads the text to the
/// end, answers base64 of a DER ECDSA signature made by <see cref="SigningKey"/> (which the test may swap to make it lie).
/// </summary>
internal sealed class SignerSocket : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private int _requests;

    /// <summary>Listens on <c>signer.sock</c> in <paramref name="directory"/>, with <paramref name="key"/>'s public half beside it.</summary>
    public SignerSocket(string directory, ECDsa key)
    {
        Path = System.IO.Path.Combine(directory, "signer.sock");
        PublicKeyPath = System.IO.Path.Combine(directory, "signer.pub.pem");
        File.WriteAllText(PublicKeyPath, key.ExportSubjectPublicKeyInfoPem());
        SigningKey = key;
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen();
        _serving = Task.Run(ServeAsync);
    }

    public string Path { get; }

    /// <summary>The public key the ledger is configured to expect (<see cref="LedgerKeyOptions.SignerPublicKeyPath"/>).</summary>
    public string PublicKeyPath { get; }

    /// <summary>Ledger options that sign through this socket.</summary>
    public LedgerOptions Options => TestLedger.SmallSegments() with { Key = new LedgerKeyOptions { SignerSocket = Path, SignerPublicKeyPath = PublicKeyPath } };

    /// <summary>The key the next signatures are made with.</summary>
    public ECDsa SigningKey { get; set; }

    /// <summary>Texts it was asked to sign so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped while waiting for the next client
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _listener.AcceptAsync(_stop.Token);
            using var stream = new NetworkStream(client);
            using var text = new MemoryStream();
            await stream.CopyToAsync(text, _stop.Token);
            Interlocked.Increment(ref _requests);
            var signature = SigningKey.SignData(text.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(signature)), _stop.Token);
        }
    }
}
