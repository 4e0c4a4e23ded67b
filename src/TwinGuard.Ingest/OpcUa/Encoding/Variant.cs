using System.Globalization;

namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>A value of any built-in type, a scalar or an array (OPC 10000-6 §5.2.2.16).</summary>
/// <param name="Type">The built-in type.</param>
/// <param name="Value">The scalar (boxed), or an <see cref="Array"/> of them; null for the null Variant.</param>
public readonly record struct Variant(BuiltInType Type, object? Value)
{
    /// <summary>The null Variant.</summary>
    public static Variant Null => default;

    /// <summary>True when the value is an array.</summary>
    public bool IsArray => Value is Array and not byte[];

    /// <summary>The value as a double when it is a numeric or Boolean scalar.</summary>
    public bool TryGetDouble(out double value)
    {
        switch (Value)
        {
            case bool b: value = b ? 1 : 0; return true;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double:
                value = Convert.ToDouble(Value, CultureInfo.InvariantCulture);
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Value switch
    {
        null => "null",
        byte[] bytes => $"ByteString[{bytes.Length}]",
        Array array => $"{Type}[{array.Length}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? string.Empty,
    };
}
