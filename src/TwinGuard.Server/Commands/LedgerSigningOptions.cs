using System.CommandLine;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Commands;

/// <summary>
/// The options of <c>serve</c> and <c>demo</c> that say where the ledger's signing key lives and which witnesses
/// cosign its checkpoints (docs/ledger-format.md §Keys and witnesses).
/// </summary>
internal sealed class LedgerSigningOptions
{
    private readonly Option<FileInfo?> _key = new("--ledger-key")
    {
        Description = "Ledger signing key (PKCS#8 PEM, created 0600 if absent), outside the data directory; "
                      + $"default under ${LedgerKeyLocations.KeyDirVariable} or ~/.config/twinguard/ledger",
    };

    private readonly Option<string?> _signer = new("--ledger-signer")
    {
        Description = "Command that signs checkpoints: the text on stdin, the ECDSA P-256 signature (base64) on stdout",
    };

    private readonly Option<FileInfo?> _socket = new("--ledger-signer-socket") { Description = "Unix socket of a signer, same exchange" };

    private readonly Option<FileInfo?> _signerKey = new("--ledger-signer-public-key") { Description = "Public key of the external signer (PEM or verifier key)" };

    private readonly Option<string[]> _witnesses = new("--witness")
    {
        Description = "Witness to send checkpoints to, URL=VERIFIER-KEY (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public IEnumerable<Option> All => [_key, _signer, _socket, _signerKey, _witnesses];

    /// <summary>The key options for the ledger of <paramref name="dataDirectory"/>.</summary>
    public LedgerKeyOptions Key(ParseResult parse, string dataDirectory)
    {
        var defaults = LedgerKeyLocations.For(Path.Combine(dataDirectory, "ledger"));
        if (parse.GetValue(_signer) is { } command)
        {
            return defaults with { SigningKeyPath = null, SignerCommand = command, SignerPublicKeyPath = SignerKey(parse) };
        }

        if (parse.GetValue(_socket) is { } socket)
        {
            return defaults with { SigningKeyPath = null, SignerSocket = socket.FullName, SignerPublicKeyPath = SignerKey(parse) };
        }

        return parse.GetValue(_key) is { } key ? defaults with { SigningKeyPath = key.FullName } : defaults;
    }

    /// <summary>The witnesses given.</summary>
    /// <exception cref="InvalidDataException">A witness is not URL=KEY.</exception>
    public IReadOnlyList<WitnessEndpoint> Witnesses(ParseResult parse) =>
        (parse.GetValue(_witnesses) ?? []).Select(WitnessEndpoint.Parse).ToList();

    private string SignerKey(ParseResult parse) =>
        parse.GetValue(_signerKey)?.FullName ?? throw new CommandLineException("--ledger-signer needs --ledger-signer-public-key");
}
