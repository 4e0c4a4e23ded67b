using System.Buffers.Binary;
using System.Text;

namespace TwinGuard.Ledger.Notes;

/// <summary>A c2sp.org/signed-note: a text ending in a newline, a blank line, then one or more signature lines.</summary>
/// <param name="Text">The signed text, final newline included.</param>
/// <param name="Signatures">The signature lines, in order.</param>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>Em dash (U+2014) and a space: how every signature line starts.</summary>
    public const string SignaturePrefix = "\u2014 ";

    /// <summary>Largest note accepted by <see cref="Parse"/>, and most signature lines (the spec asks for at least 16).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Most signature lines accepted by <see cref="Parse"/>.</summary>
    public const int MaxSignatures = 100;

    /// <summary>The whole note: text, blank line, signature lines.</summary>
    public override string ToString() => Text + "\n" + string.Concat(Signatures.Select(s => s.ToLine()));

    /// <summary>Parses a signed note; signatures are not verified here.</summary>
    /// <exception cref="FormatException">The input is not a signed note (the message says what is wrong).</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (Encoding.UTF8.GetByteCount(note) > MaxBytes)
        {
            throw new FormatException($"a note is at most {MaxBytes} bytes");
        }

        // c2sp.org/signed-note §Format: no ASCII control characters other than newline.
        foreach (var c in note)
        {
            if (c < 0x20 && c != '\n')
            {
                throw new FormatException($"control character U+{(int)c:X4} in a note");
            }
        }

        // The text is separated from the signatures by the last empty line.
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n'))
        {
            throw new FormatException("a note needs a text, a blank line and signature lines each ending in a newline");
        }

        // The blank line at the very end ("\n\n" last) leaves no signature line (found by fuzzing: a slice of length -1).
        if (split + 2 >= note.Length)
        {
            throw new FormatException("a note needs at least one signature line after its blank line");
        }

        var text = note[..(split + 1)];
        var lines = note[(split + 2)..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            throw new FormatException($"more than {MaxSignatures} signatures");
        }

        var signatures = new List<NoteSignature>(lines.Length);
        foreach (var line in lines)
        {
            signatures.Add(ParseSignatureLine(line));
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Parses one signature line, without its newline.</summary>
    /// <exception cref="FormatException">It is not <c>— name base64</c> with at least a key hash.</exception>
    public static NoteSignature ParseSignatureLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            throw new FormatException("a signature line starts with an em dash and a space");
        }

        var rest = line[SignaturePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || rest.IndexOf(' ', space + 1) >= 0)
        {
            throw new FormatException("a signature line is \"— <key name> <base64 signature>\"");
        }

        var name = rest[..space];
        if (name.Contains('+', StringComparison.Ordinal))
        {
            throw new FormatException("a key name has no plus sign");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException)
        {
            throw new FormatException($"the signature of {name} is not base64");
        }

        if (bytes.Length < 5)
        {
            throw new FormatException($"the signature of {name} is shorter than a key ID and a signature");
        }

        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }
}
