using System.Globalization;
using System.Text;
using System.Text.Json;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Gate;

/// <summary>Parses reading payloads (docs/readings.md) for every transport: one signal, or several of one asset.</summary>
/// <remarks>
/// Strict on structure, forgiving on extras: a payload that is not a JSON object, lacks <c>ts</c> or <c>seq</c>, or is
/// too large is refused whole; a single bad value in a multi-signal payload is refused alone and the others are kept.
/// Reads with <see cref="Utf8JsonReader"/> straight from the received bytes.
/// </remarks>
public static class ReadingPayloadParser
{
    /// <summary>Largest payload accepted, in bytes.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses a payload addressed to <paramref name="asset"/> (and to <paramref name="signalIndex"/> when the topic names one).</summary>
    /// <exception cref="PayloadException">The payload as a whole is malformed.</exception>
    public static ParsedPayload Parse(AssetModel asset, int signalIndex, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            throw new PayloadException($"payload of {payload.Length} bytes exceeds the {MaxPayloadBytes}-byte limit");
        }

        // RFC 8259 §8.1: JSON exchanged between systems is UTF-8. Utf8JsonReader checks the encoding of a string only
        // when it is read as text, where bad bytes surface as InvalidOperationException, not JsonException (found by
        // fuzzing: test/TwinGuard.Fuzz/regressions/reading-payload): checked once here, vectorised.
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            throw new PayloadException("not valid JSON: the payload is not valid UTF-8 (RFC 8259 §8.1)");
        }

        try
        {
            return ParseObject(asset, signalIndex, payload);
        }
        catch (JsonException ex)
        {
            throw new PayloadException($"not valid JSON: {ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}");
        }
    }

    private static ParsedPayload ParseObject(AssetModel asset, int signalIndex, ReadOnlySpan<byte> payload)
    {
        Span<char> nameBuffer = stackalloc char[64];
        var reader = new Utf8JsonReader(payload, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new PayloadException("expected a JSON object");
        }

        long? seq = null;
        long? ts = null;
        long boot = 0;
        // At most one value per signal (a repeated name is refused), so the values fit a buffer of the signals' count:
        // on the stack for the usual asset, copied once into the message's array at the end.
        var capacity = signalIndex >= 0 ? 1 : asset.Signals.Count;
        Span<SignalValue> values = capacity <= 64 ? stackalloc SignalValue[capacity] : new SignalValue[capacity];
        var count = 0;
        List<RejectedValue>? rejected = null;
        var sawValue = false;
        var seen = 0; // RFC 8259 §4: names SHOULD be unique; a reading that repeats one is ambiguous, so it is malformed
        Span<bool> signalSeen = asset.Signals.Count <= 256 ? stackalloc bool[asset.Signals.Count] : new bool[asset.Signals.Count];

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ts"u8))
            {
                Once(ref seen, 1, "ts");
                reader.Read();
                ts = ReadTimestamp(ref reader);
            }
            else if (reader.ValueTextEquals("seq"u8))
            {
                Once(ref seen, 2, "seq");
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var s) || s < 0)
                {
                    throw new PayloadException("'seq' must be a non-negative integer");
                }

                seq = s;
            }
            else if (reader.ValueTextEquals("boot"u8))
            {
                Once(ref seen, 4, "boot");
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out boot) || boot < 0)
                {
                    throw new PayloadException("'boot' must be a non-negative integer");
                }
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                Once(ref seen, 8, "value");
                reader.Read();
                if (signalIndex < 0)
                {
                    throw new PayloadException("'value' needs a topic that names the signal; use 'values' on an asset topic");
                }

                sawValue = true;
                AddValue(ref reader, asset.Signals[signalIndex].Id, signalIndex, values, ref count, ref rejected);
            }
            else if (reader.ValueTextEquals("values"u8))
            {
                Once(ref seen, 16, "values");
                reader.Read();
                if (signalIndex >= 0)
                {
                    throw new PayloadException("'values' belongs on an asset topic; a signal topic carries 'value'");
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new PayloadException("'values' must be an object of signal: number");
                }

                sawValue = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    // Look the signal up without allocating its name: this runs for every value of every message.
                    var index = !reader.ValueIsEscaped && reader.ValueSpan.Length <= nameBuffer.Length
                        ? asset.IndexOf(nameBuffer[..reader.CopyString(nameBuffer)])
                        : asset.IndexOf(reader.GetString()!);
                    if (index < 0)
                    {
                        var name = reader.GetString()!;
                        reader.Read();
                        reader.Skip();
                        (rejected ??= []).Add(new RejectedValue(name, ReasonCode.UnknownSignal, $"asset '{asset.Id}' has no signal '{name}'"));
                        continue;
                    }

                    if (signalSeen[index])
                    {
                        throw new PayloadException($"'values' names '{asset.Signals[index].Id}' twice");
                    }

                    signalSeen[index] = true;
                    reader.Read();
                    AddValue(ref reader, asset.Signals[index].Id, index, values, ref count, ref rejected);
                }
            }
            else
            {
                reader.Read();
                reader.Skip(); // Unknown members are ignored (docs/readings.md).
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new PayloadException("unexpected content after the JSON object");
        }

        if (ts is null)
        {
            throw new PayloadException("missing 'ts'");
        }

        if (seq is null)
        {
            throw new PayloadException("missing 'seq'");
        }

        if (!sawValue)
        {
            throw new PayloadException(signalIndex >= 0 ? "missing 'value'" : "missing 'values'");
        }

        return new ParsedPayload(seq.Value, ts.Value, values[..count].ToArray(), (IReadOnlyList<RejectedValue>?)rejected ?? []) { Boot = boot };
    }

    private static void Once(ref int seen, int bit, string name)
    {
        if ((seen & bit) != 0)
        {
            throw new PayloadException($"'{name}' appears twice");
        }

        seen |= bit;
    }

    private static void AddValue(ref Utf8JsonReader reader, string signalId, int index, scoped Span<SignalValue> values, ref int count, ref List<RejectedValue>? rejected)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            var found = reader.TokenType switch
            {
                JsonTokenType.String => $"the string \"{Truncate(reader.GetString())}\"",
                JsonTokenType.True or JsonTokenType.False => "a boolean",
                JsonTokenType.Null => "null",
                JsonTokenType.StartObject => "an object",
                JsonTokenType.StartArray => "an array",
                _ => reader.TokenType.ToString(),
            };
            reader.Skip();
            (rejected ??= []).Add(new RejectedValue(signalId, ReasonCode.WrongType, $"'{signalId}' must be a number, found {found}"));
            return;
        }

        // A JSON number too large for a double parses as infinity; JSON has no NaN, but a peer may still send 1e999.
        if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            var raw = Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray());
            (rejected ??= []).Add(new RejectedValue(signalId, ReasonCode.NonFinite, $"'{signalId}' is not a finite number: {Truncate(raw)}"));
            return;
        }

        values[count++] = new SignalValue(index, value);
    }

    private static long ReadTimestamp(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var ms))
            {
                return ms;
            }

            if (reader.TryGetDouble(out var fractional) && double.IsFinite(fractional) && Math.Abs(fractional) < 1e15)
            {
                return (long)Math.Round(fractional);
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            // RFC 3339 §5.6 requires a time-offset ('Z' or ±hh:mm after the time); the reader parses ISO 8601 without allocating.
            var raw = reader.ValueSpan;
            var t = raw.IndexOfAny((byte)'T', (byte)'t');
            var hasOffset = !reader.ValueIsEscaped && t > 0 && (raw[^1] is (byte)'Z' or (byte)'z' || raw[t..].IndexOfAny((byte)'+', (byte)'-') > 0);
            if (hasOffset && reader.TryGetDateTimeOffset(out var parsed))
            {
                return parsed.ToUnixTimeMilliseconds();
            }

            var text = reader.GetString()!;
            // RFC 3339 §5.6 requires a time-offset: a local time without one is ambiguous and refused.
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                && (text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text)))
            {
                return time.ToUnixTimeMilliseconds();
            }
        }

        throw new PayloadException("'ts' must be epoch milliseconds or an RFC 3339 time with an offset");
    }

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return t > 0 && text.AsSpan(t).IndexOfAny('+', '-') > 0;
    }

    private static string? Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "..." : text;
}
