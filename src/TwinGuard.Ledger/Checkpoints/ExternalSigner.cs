using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using TwinGuard.Ledger.Notes;

namespace TwinGuard.Ledger.Checkpoints;

/// <summary>
/// A signer outside the process: a command (the signed text on its standard input, the signature on its standard
/// output) or a Unix socket (the text sent, the write side shut down, the signature read to the end). The signature
/// is base64 of DER or r||s. The writer checks every signature against the configured public key before it is used
/// (<see cref="LedgerWriter.SigningStopped"/>).
/// </summary>
/// <remarks>The key never enters TwinGuard's memory or data directory: an HSM, a TPM, ssh-agent or another account can hold it.</remarks>
internal sealed class ExternalSigner : ICheckpointSigner
{
    private const int MaxAnswerBytes = 4096;
    private readonly string? _command;
    private readonly string? _socket;
    private readonly TimeSpan _timeout;

    public ExternalSigner(string? command, string? socket, LedgerPublicKey publicKey, TimeSpan timeout)
    {
        _command = command;
        _socket = socket;
        _timeout = timeout;
        PublicKey = publicKey;
    }

    public LedgerPublicKey PublicKey { get; }

    private string Name => _command is not null ? $"signer command \"{_command}\"" : $"signer socket {_socket}";

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var answer = _command is not null ? RunCommand(message.ToArray()) : AskSocket(message.ToArray());
        byte[] signature;
        try
        {
            signature = EcdsaSignatureEncoding.ToP1363(Decode(answer));
        }
        catch (FormatException ex)
        {
            throw new IOException($"{Name} answered something that is not a signature: {ex.Message}", ex);
        }

        return signature; // checked against PublicKey by the writer, which stops signing for good when it does not verify
    }

    public void Dispose() => PublicKey.Dispose();

    /// <summary>Base64 text (whitespace ignored), else the raw bytes.</summary>
    private static byte[] Decode(byte[] answer)
    {
        var text = Encoding.ASCII.GetString(answer).Trim();
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return answer;
        }
    }

    private byte[] RunCommand(byte[] message)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_command!);
        using var process = Process.Start(start) ?? throw new IOException($"{Name} could not be started");
        var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(message);
        process.StandardInput.Close();
        if (!process.WaitForExit(_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"{Name} did not answer within {_timeout.TotalSeconds:0.#} s");
        }

        if (!reading.Wait(_timeout) || output.Length > MaxAnswerBytes)
        {
            throw new IOException($"{Name} wrote no signature or too much");
        }

        if (process.ExitCode != 0)
        {
            var error = errors.Wait(_timeout) ? errors.Result.Trim() : string.Empty;
            throw new IOException($"{Name} exited with {process.ExitCode}: {(error.Length > 200 ? error[..200] : error)}");
        }

        return output.ToArray();
    }

    private byte[] AskSocket(byte[] message)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.SendTimeout = socket.ReceiveTimeout = (int)_timeout.TotalMilliseconds;
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(_socket!));
            socket.Send(message);
            socket.Shutdown(SocketShutdown.Send);
            var answer = new byte[MaxAnswerBytes];
            var length = 0;
            int n;
            while ((n = socket.Receive(answer, length, answer.Length - length, SocketFlags.None)) > 0)
            {
                length += n;
                if (length == answer.Length)
                {
                    throw new IOException($"{Name} answered more than {MaxAnswerBytes} bytes");
                }
            }

            return answer[..length];
        }
        catch (SocketException ex)
        {
            throw new IOException($"{Name}: {ex.Message}", ex);
        }
    }
}
