using System.Buffers.Binary;
using System.Text;

namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>Reads the OPC UA Binary encoding (OPC 10000-6 §5.2) from one received message body.</summary>
/// <remarks>
/// Every length and count is checked against the bytes that remain and against <see cref="DecodingLimits"/> before
/// anything is allocated, so a peer cannot make the client allocate more than the message it actually sent; nesting
/// of Variants, DataValues, DiagnosticInfos and ExtensionObjects is bounded. Any violation is a
/// <see cref="UaDecodingException"/> that names the offset.
/// </remarks>
public ref struct UaBinaryReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly DecodingLimits _limits;
    private int _position;
    private int _depth;

    public UaBinaryReader(ReadOnlySpan<byte> buffer, DecodingLimits? limits = null)
    {
        _buffer = buffer;
        _limits = limits ?? DecodingLimits.Default;
    }

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error($"{what} needs {count} bytes, only {Remaining} remain");
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public readonly UaDecodingException Error(string problem) => new($"at byte {_position}: {problem}");

    public bool ReadBoolean() => Take(1, "Boolean")[0] != 0;

    public byte ReadByte() => Take(1, "Byte")[0];

    public sbyte ReadSByte() => (sbyte)Take(1, "SByte")[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2, "Int16"));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "UInt16"));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "Int32"));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "UInt32"));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "Int64"));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "UInt64"));

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4, "Float"));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "Double"));

    public StatusCode ReadStatusCode() => new(ReadUInt32());

    public DateTimeOffset? ReadDateTime() => UaDateTime.FromWire(ReadInt64());

    // §5.2.2.7: Data1 (UInt32), Data2, Data3 (UInt16), Data4 (8 bytes), little-endian like System.Guid's layout.
    public Guid ReadGuid() => new(Take(16, "Guid"));

    /// <summary>The length prefix of a String, ByteString or array: -1 is null; anything else must fit what remains.</summary>
    private int ReadLength(string what, int elementSize, int max)
    {
        var length = ReadInt32();
        if (length < -1)
        {
            throw Error($"{what} length {length} is negative");
        }

        if (length > max)
        {
            throw Error($"{what} length {length} exceeds the limit of {max}");
        }

        // A count cannot exceed the bytes that remain divided by the smallest encoding of one element.
        if (length > 0 && (long)length * elementSize > Remaining)
        {
            throw Error($"{what} length {length} exceeds the {Remaining} bytes that remain");
        }

        return length;
    }

    public string? ReadString()
    {
        var length = ReadLength("String", 1, _limits.MaxStringBytes);
        if (length < 0)
        {
            return null;
        }

        var bytes = Take(length, "String");
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("String is not valid UTF-8");
        }
    }

    public byte[]? ReadByteString()
    {
        var length = ReadLength("ByteString", 1, _limits.MaxStringBytes);
        return length < 0 ? null : Take(length, "ByteString").ToArray();
    }

    /// <summary>Reads an array length (null as -1) bounded by the limits and by <paramref name="minElementBytes"/> per element.</summary>
    public int ReadArrayLength(string what, int minElementBytes) => ReadLength(what + " array", Math.Max(1, minElementBytes), _limits.MaxArrayLength);

    /// <summary>Reads an array of <typeparamref name="T"/>; null arrays come back empty.</summary>
    public T[] ReadArray<T>(string what, int minElementBytes, ReadElement<T> read)
    {
        var length = ReadArrayLength(what, minElementBytes);
        if (length <= 0)
        {
            return [];
        }

        var items = new T[length];
        for (var i = 0; i < length; i++)
        {
            items[i] = read(ref this);
        }

        return items;
    }

    public string[] ReadStringArray() => ReadArray("String", 4, static (ref UaBinaryReader r) => r.ReadString() ?? string.Empty);

    public NodeId ReadNodeId()
    {
        var encoding = ReadByte();
        if ((encoding & 0x3F) > 5)
        {
            throw Error($"NodeId encoding 0x{encoding:X2} is not one of OPC 10000-6 §5.2.2.9");
        }

        return ReadNodeIdBody(encoding);
    }

    // §5.2.2.9 Table 7: the low bits say the form; the ExpandedNodeId flags (0x80, 0x40) are handled by the caller.
    private NodeId ReadNodeIdBody(byte encoding) => (encoding & 0x3F) switch
    {
        0 => NodeId.Number(ReadByte()),
        1 => NodeId.Number(ReadUInt16Then(out var ns1), ns1),
        2 => NodeId.Number(ReadNamespaceThenUInt32(out var ns2), ns2),
        3 => ReadStringNodeId(),
        4 => new NodeId(ReadUInt16(), NodeIdType.Guid, 0, null, ReadGuid(), null),
        5 => new NodeId(ReadUInt16(), NodeIdType.Opaque, 0, null, Guid.Empty, ReadByteString() ?? []),
        _ => throw Error($"NodeId encoding 0x{encoding:X2} is not one of OPC 10000-6 §5.2.2.9"),
    };

    private uint ReadUInt16Then(out ushort ns)
    {
        ns = ReadByte();
        return ReadUInt16();
    }

    private uint ReadNamespaceThenUInt32(out ushort ns)
    {
        ns = ReadUInt16();
        return ReadUInt32();
    }

    private NodeId ReadStringNodeId()
    {
        var ns = ReadUInt16();
        return NodeId.String(ReadString() ?? string.Empty, ns);
    }

    public ExpandedNodeId ReadExpandedNodeId()
    {
        var encoding = ReadByte();
        if ((encoding & 0x3F) > 5)
        {
            throw Error($"ExpandedNodeId encoding 0x{encoding:X2} is not one of OPC 10000-6 §5.2.2.10");
        }

        var nodeId = ReadNodeIdBody(encoding);
        var uri = (encoding & 0x80) != 0 ? ReadString() : null;
        var server = (encoding & 0x40) != 0 ? ReadUInt32() : 0;
        return new ExpandedNodeId(nodeId, uri, server);
    }

    public QualifiedName ReadQualifiedName() => new(ReadUInt16(), ReadString());

    public LocalizedText ReadLocalizedText()
    {
        // §5.2.2.14: mask 0x01 locale, 0x02 text.
        var mask = ReadByte();
        var locale = (mask & 0x01) != 0 ? ReadString() : null;
        var text = (mask & 0x02) != 0 ? ReadString() : null;
        return new LocalizedText(locale, text);
    }

    public ExtensionObject ReadExtensionObject()
    {
        var typeId = ReadNodeId();
        var encoding = ReadByte();
        switch (encoding)
        {
            case 0:
                return new ExtensionObject(typeId, ReadOnlyMemory<byte>.Empty);
            case 1:
            case 2:
                // §5.2.2.15: 0x01 binary body, 0x02 XmlElement body; both a length-prefixed byte string.
                return new ExtensionObject(typeId, ReadByteString() ?? []);
            default:
                throw Error($"ExtensionObject encoding {encoding} is not 0, 1 or 2");
        }
    }

    private void Enter(string what)
    {
        if (++_depth > _limits.MaxNesting)
        {
            throw Error($"{what} nested more than {_limits.MaxNesting} deep");
        }
    }

    public DataValue ReadDataValue()
    {
        Enter("DataValue");
        // §5.2.2.17 Table 16: 0x01 value, 0x02 status, 0x04 source ts, 0x08 server ts, 0x10/0x20 picoseconds.
        var mask = ReadByte();
        var value = (mask & 0x01) != 0 ? ReadVariant() : Variant.Null;
        var status = (mask & 0x02) != 0 ? ReadStatusCode() : StatusCodes.Good;
        var source = (mask & 0x04) != 0 ? ReadDateTime() : null;
        if ((mask & 0x10) != 0)
        {
            ReadUInt16();
        }

        var server = (mask & 0x08) != 0 ? ReadDateTime() : null;
        if ((mask & 0x20) != 0)
        {
            ReadUInt16();
        }

        _depth--;
        return new DataValue(value, status, source, server);
    }

    public Variant ReadVariant()
    {
        Enter("Variant");
        // §5.2.2.16: bits 0-5 type, 0x40 array dimensions follow, 0x80 array.
        var mask = ReadByte();
        var type = (BuiltInType)(mask & 0x3F);
        if ((byte)type > (byte)BuiltInType.DiagnosticInfo)
        {
            throw Error($"Variant type {(byte)type} is not a built-in type");
        }

        object? value;
        if ((mask & 0x80) != 0)
        {
            var length = ReadArrayLength(type.ToString(), MinimumSize(type));
            var items = length <= 0 ? [] : new object?[length];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = ReadScalar(type);
            }

            value = items;
            if ((mask & 0x40) != 0)
            {
                var dimensions = ReadArray("ArrayDimensions", 4, static (ref UaBinaryReader r) => r.ReadInt32());
                long product = 1;
                foreach (var d in dimensions)
                {
                    product = d < 0 ? -1 : Math.Min(product * d, int.MaxValue);
                }

                if (product != items.Length)
                {
                    throw Error($"ArrayDimensions multiply to {product}, the array has {items.Length} elements");
                }
            }
        }
        else
        {
            if ((mask & 0x40) != 0)
            {
                throw Error("a scalar Variant with ArrayDimensions");
            }

            value = type == BuiltInType.Null ? null : ReadScalar(type);
        }

        _depth--;
        return new Variant(type, value);
    }

    private static int MinimumSize(BuiltInType type) => type switch
    {
        BuiltInType.Boolean or BuiltInType.SByte or BuiltInType.Byte or BuiltInType.LocalizedText or BuiltInType.DataValue
            or BuiltInType.Variant or BuiltInType.DiagnosticInfo or BuiltInType.Null => 1,
        BuiltInType.Int16 or BuiltInType.UInt16 or BuiltInType.NodeId or BuiltInType.ExpandedNodeId => 2,
        BuiltInType.Int64 or BuiltInType.UInt64 or BuiltInType.Double or BuiltInType.DateTime => 8,
        BuiltInType.Guid => 16,
        BuiltInType.QualifiedName => 6,
        BuiltInType.ExtensionObject => 3,
        _ => 4,
    };

    private object? ReadScalar(BuiltInType type) => type switch
    {
        BuiltInType.Null => null,
        BuiltInType.Boolean => ReadBoolean(),
        BuiltInType.SByte => ReadSByte(),
        BuiltInType.Byte => ReadByte(),
        BuiltInType.Int16 => ReadInt16(),
        BuiltInType.UInt16 => ReadUInt16(),
        BuiltInType.Int32 => ReadInt32(),
        BuiltInType.UInt32 => ReadUInt32(),
        BuiltInType.Int64 => ReadInt64(),
        BuiltInType.UInt64 => ReadUInt64(),
        BuiltInType.Float => ReadFloat(),
        BuiltInType.Double => ReadDouble(),
        BuiltInType.String or BuiltInType.XmlElement => ReadString(),
        BuiltInType.DateTime => ReadDateTime(),
        BuiltInType.Guid => ReadGuid(),
        BuiltInType.ByteString => ReadByteString(),
        BuiltInType.NodeId => ReadNodeId(),
        BuiltInType.ExpandedNodeId => ReadExpandedNodeId(),
        BuiltInType.StatusCode => ReadStatusCode(),
        BuiltInType.QualifiedName => ReadQualifiedName(),
        BuiltInType.LocalizedText => ReadLocalizedText(),
        BuiltInType.ExtensionObject => ReadExtensionObject(),
        BuiltInType.DataValue => ReadDataValue(),
        BuiltInType.Variant => ReadVariant(),
        _ => SkipDiagnosticInfoAsNull(),
    };

    private object? SkipDiagnosticInfoAsNull()
    {
        SkipDiagnosticInfo();
        return null;
    }

    /// <summary>Reads and discards a DiagnosticInfo (§5.2.2.12), bounded in depth.</summary>
    public void SkipDiagnosticInfo()
    {
        Enter("DiagnosticInfo");
        var mask = ReadByte();
        if ((mask & 0x01) != 0)
        {
            ReadInt32(); // SymbolicId
        }

        if ((mask & 0x02) != 0)
        {
            ReadInt32(); // NamespaceUri
        }

        if ((mask & 0x08) != 0)
        {
            ReadInt32(); // Locale
        }

        if ((mask & 0x04) != 0)
        {
            ReadInt32(); // LocalizedText
        }

        if ((mask & 0x10) != 0)
        {
            ReadString(); // AdditionalInfo
        }

        if ((mask & 0x20) != 0)
        {
            ReadUInt32(); // InnerStatusCode
        }

        if ((mask & 0x40) != 0)
        {
            SkipDiagnosticInfo();
        }

        _depth--;
    }

    /// <summary>Reads and discards an array of DiagnosticInfo.</summary>
    public void SkipDiagnosticInfoArray()
    {
        var length = ReadArrayLength("DiagnosticInfo", 1);
        for (var i = 0; i < length; i++)
        {
            SkipDiagnosticInfo();
        }
    }

    /// <summary>Fails when bytes are left over: a message longer than its content is malformed.</summary>
    public readonly void EnsureEnd(string what)
    {
        if (Remaining != 0)
        {
            throw Error($"{Remaining} bytes left over after the {what}");
        }
    }
}
