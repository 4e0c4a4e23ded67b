using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>Writes the OPC UA Binary encoding (OPC 10000-6 §5.2) into a growable buffer.</summary>
public sealed class UaBinaryWriter(ArrayBufferWriter<byte> buffer)
{
    /// <summary>The buffer written to.</summary>
    public ArrayBufferWriter<byte> Buffer => buffer;

    /// <summary>Bytes written so far.</summary>
    public int Length => buffer.WrittenCount;

    private Span<byte> Next(int count)
    {
        var span = buffer.GetSpan(count)[..count];
        buffer.Advance(count);
        return span;
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteByte(byte value) => Next(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Next(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Next(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Next(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Next(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Next(8), value);

    public void WriteDateTime(DateTimeOffset? value) => WriteInt64(UaDateTime.ToWire(value));

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteInt32(count);
        System.Text.Encoding.UTF8.GetBytes(value, Next(count));
    }

    public void WriteByteString(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(value.Length);
        value.CopyTo(Next(value.Length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Next(value.Length));

    public void WriteStringArray(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(values.Count);
        foreach (var value in values)
        {
            WriteString(value);
        }
    }

    public void WriteNodeId(NodeId id)
    {
        // §5.2.2.9: the most compact form that holds the value.
        switch (id.Type)
        {
            case NodeIdType.Numeric when id.NamespaceIndex == 0 && id.Numeric <= byte.MaxValue:
                WriteByte(0);
                WriteByte((byte)id.Numeric);
                break;
            case NodeIdType.Numeric when id.NamespaceIndex <= byte.MaxValue && id.Numeric <= ushort.MaxValue:
                WriteByte(1);
                WriteByte((byte)id.NamespaceIndex);
                WriteUInt16((ushort)id.Numeric);
                break;
            case NodeIdType.Numeric:
                WriteByte(2);
                WriteUInt16(id.NamespaceIndex);
                WriteUInt32(id.Numeric);
                break;
            case NodeIdType.String:
                WriteByte(3);
                WriteUInt16(id.NamespaceIndex);
                WriteString(id.Text);
                break;
            case NodeIdType.Guid:
                WriteByte(4);
                WriteUInt16(id.NamespaceIndex);
                id.Guid.TryWriteBytes(Next(16));
                break;
            default:
                WriteByte(5);
                WriteUInt16(id.NamespaceIndex);
                WriteByteString(id.Opaque);
                break;
        }
    }

    public void WriteQualifiedName(QualifiedName name)
    {
        WriteUInt16(name.NamespaceIndex);
        WriteString(name.Name);
    }

    public void WriteLocalizedText(LocalizedText text)
    {
        WriteByte((byte)((text.Locale is null ? 0 : 1) | (text.Text is null ? 0 : 2)));
        if (text.Locale is not null)
        {
            WriteString(text.Locale);
        }

        if (text.Text is not null)
        {
            WriteString(text.Text);
        }
    }

    /// <summary>Writes an ExtensionObject whose binary body <paramref name="body"/> writes (§5.2.2.15).</summary>
    public void WriteExtensionObject(NodeId typeId, Action<UaBinaryWriter>? body)
    {
        WriteNodeId(typeId);
        if (body is null)
        {
            WriteByte(0);
            return;
        }

        WriteByte(1);
        var lengthAt = buffer.WrittenCount;
        WriteInt32(0);
        body(this);
        var length = buffer.WrittenCount - lengthAt - 4;
        BinaryPrimitives.WriteInt32LittleEndian(WrittenSpan(lengthAt, 4), length);
    }

    /// <summary>A span over bytes already written, to patch a length in place.</summary>
    public Span<byte> WrittenSpan(int offset, int count) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(buffer.WrittenSpan[offset..]), count);

    /// <summary>Writes a scalar Variant of the few types requests carry.</summary>
    public void WriteVariant(Variant value)
    {
        switch (value.Value)
        {
            case null: WriteByte(0); break;
            case bool b: WriteByte((byte)BuiltInType.Boolean); WriteBoolean(b); break;
            case int i: WriteByte((byte)BuiltInType.Int32); WriteInt32(i); break;
            case uint u: WriteByte((byte)BuiltInType.UInt32); WriteUInt32(u); break;
            case double d: WriteByte((byte)BuiltInType.Double); WriteDouble(d); break;
            case string s: WriteByte((byte)BuiltInType.String); WriteString(s); break;
            default: throw new NotSupportedException($"writing a {value.Type} Variant");
        }
    }
}
