namespace TwinGuard.Ledger.Witnessing;

/// <summary>A witness a ledger sends its checkpoints to: its submission prefix and its key.</summary>
/// <param name="SubmissionPrefix">The URL that <c>/add-checkpoint</c> is appended to (c2sp.org/tlog-witness).</param>
/// <param name="Key">The witness's cosignature key; answers signed by anything else are ignored.</param>
public sealed record WitnessEndpoint(Uri SubmissionPrefix, WitnessPublicKey Key)
{
    /// <summary>Parses <c>URL=VKEY</c> (the verifier key, or a file holding it).</summary>
    /// <exception cref="InvalidDataException">Not of that form.</exception>
    public static WitnessEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var split = text.IndexOf('=', StringComparison.Ordinal);
        if (split <= 0 || !Uri.TryCreate(text[..split], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidDataException($"a witness is \"http(s)://host:port/prefix=<witness verifier key or its file>\": {text}");
        }

        return new WitnessEndpoint(uri, WitnessPublicKey.Parse(text[(split + 1)..]));
    }
}
