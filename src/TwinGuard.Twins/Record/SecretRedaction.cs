using TwinGuard.Twins.Plant;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TwinGuard.Twins.Record;

/// <summary>
/// Removes secrets from a configuration file (YAML or JSON) before it is recorded as evidence: the values of keys named
/// like secrets (<c>password_hash</c>, <c>secret</c>, <c>token</c>, <c>api_key</c>, <c>private_key</c>, …) and any value
/// that is a password hash or a private key, wherever it sits. Everything else, comments and layout included, stays
/// as written, so the record still shows what the site ran on.
/// </summary>
/// <remarks>
/// Names that point at a secret rather than hold it (<c>secret_env</c>, <c>key_file</c>, <c>…_path</c>, <c>…_id</c>) are
/// kept. A file YAML cannot parse is replaced whole: an unparsed file could hide a secret anywhere.
/// </remarks>
public static class SecretRedaction
{
    /// <summary>What replaces each secret value.</summary>
    public const string Placeholder = "\"[redacted]\"";

    private static readonly string[] SecretWords = ["password", "passwd", "pwd", "secret", "token", "credential", "credentials", "apikey", "psk", "passphrase"];
    private static readonly string[] ReferenceSuffixes = ["env", "file", "path", "id", "name", "url"];

    /// <summary>The text with secret values replaced by <see cref="Placeholder"/>, and how many were replaced.</summary>
    public static (string Text, int Redacted) Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ranges = new List<(long Start, long End)>();
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            foreach (var document in stream.Documents)
            {
                Collect(document.RootNode, ranges);
            }
        }
        catch (YamlException)
        {
            return ("[redacted: the file is not valid YAML or JSON]", 1);
        }

        var result = new System.Text.StringBuilder(text);
        foreach (var (start, end) in ranges.OrderByDescending(r => r.Start))
        {
            result.Remove((int)start, (int)(end - start)).Insert((int)start, Placeholder);
        }

        return (result.ToString(), ranges.Count);
    }

    /// <summary>True when a key of this name holds a secret (rather than naming where one is).</summary>
    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var words = name.ToLowerInvariant().Replace('-', '_').Split('_', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || ReferenceSuffixes.Contains(words[^1]))
        {
            return false;
        }

        return words.Any(w => SecretWords.Contains(w)) || words[^1] == "key";
    }

    /// <summary>True when a value is itself a secret: a password hash, a generated secret or its hash, an API key, or a private key.</summary>
    public static bool IsSecretValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.StartsWith("pbkdf2-", StringComparison.OrdinalIgnoreCase)
               || value.StartsWith(DeviceSecretHash.Scheme + "$", StringComparison.Ordinal)
               || GeneratedSecret.IsWellFormed(value, DeviceSecretHash.SecretPrefix)
               || value.StartsWith("tgk_", StringComparison.Ordinal)
               || value.StartsWith("$2a$", StringComparison.Ordinal) || value.StartsWith("$2b$", StringComparison.Ordinal)
               || value.StartsWith("$argon2", StringComparison.Ordinal) || value.StartsWith("$6$", StringComparison.Ordinal)
               || value.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
    }

    private static void Collect(YamlNode node, List<(long, long)> ranges)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is YamlScalarNode { Value: { } name } && IsSecretName(name))
                    {
                        ranges.Add((value.Start.Index, value.End.Index));
                    }
                    else
                    {
                        Collect(value, ranges);
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Collect(child, ranges);
                }

                break;
            case YamlScalarNode { Value: { } scalar } when IsSecretValue(scalar):
                ranges.Add((node.Start.Index, node.End.Index));
                break;
        }
    }
}
