using System.Buffers;
using FsCheck;
using FsCheck.Xunit;
using TwinGuard.Ingest.OpcUa.Encoding;
using TwinGuard.Ingest.OpcUa.Services;

namespace TwinGuard.Ingest.Tests.OpcUa;

public sealed class UaBinaryReaderTests
{
    private static byte[] Bytes(Action<UaBinaryWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new UaBinaryWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void ReadString_LengthBeyondTheMessage_IsRefusedBeforeAllocating()
    {
        var bytes = Bytes(w => { w.WriteInt32(int.MaxValue - 1); w.WriteBytes("abc"u8); });

        var error = Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadString());
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadString_NegativeLengthOtherThanNull_IsRefused()
    {
        var bytes = Bytes(w => w.WriteInt32(-7));

        Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadString());
    }

    [Fact]
    public void ReadArray_CountLargerThanTheBytesCanHold_IsRefused()
    {
        // 1000 Doubles announced, 16 bytes sent: refused from the count alone.
        var bytes = Bytes(w => { w.WriteInt32(1000); w.WriteDouble(1); w.WriteDouble(2); });

        var error = Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadArray("Double", 8, static (ref UaBinaryReader r) => r.ReadDouble()));
        Assert.Contains("1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArray_CountAboveTheLimit_IsRefused()
    {
        var bytes = Bytes(w => { w.WriteInt32(70_000); w.WriteBytes(new byte[70_000]); });

        Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadArray("Boolean", 1, static (ref UaBinaryReader r) => r.ReadBoolean()));
    }

    [Fact]
    public void ReadVariant_NestedDeeperThanTheLimit_IsRefused()
    {
        // A Variant holding a Variant holding ... 100 deep.
        var bytes = new byte[101];
        Array.Fill(bytes, (byte)BuiltInType.Variant, 0, 100);
        bytes[100] = 0;

        var error = Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadVariant());
        Assert.Contains("nested", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDiagnosticInfo_InnerInfosDeeperThanTheLimit_IsRefused()
    {
        var bytes = Enumerable.Repeat((byte)0x40, 200).Append((byte)0).ToArray();

        Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).SkipDiagnosticInfo());
    }

    [Fact]
    public void ReadVariant_ArrayDimensionsNotMatchingTheElements_IsRefused()
    {
        var bytes = Bytes(w =>
        {
            w.WriteByte((byte)BuiltInType.Int32 | 0x80 | 0x40);
            w.WriteInt32(2);
            w.WriteInt32(1);
            w.WriteInt32(2);
            w.WriteInt32(1);
            w.WriteInt32(3); // 3 elements declared by the dimensions, 2 sent
        });

        Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadVariant());
    }

    [Fact]
    public void ReadDataValue_AllFields_RoundTripsStatusTimestampsAndValue()
    {
        var source = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var bytes = Bytes(w =>
        {
            w.WriteByte(0x01 | 0x02 | 0x04 | 0x08);
            w.WriteVariant(new Variant(BuiltInType.Double, 42.5));
            w.WriteUInt32(StatusCodes.UncertainLastUsableValue.Code);
            w.WriteDateTime(source);
            w.WriteDateTime(source.AddSeconds(1));
        });

        var value = new UaBinaryReader(bytes).ReadDataValue();

        Assert.True(value.Value.TryGetDouble(out var number));
        Assert.Equal(42.5, number);
        Assert.True(value.Status.IsUncertain);
        Assert.Equal(source, value.SourceTimestamp);
        Assert.Equal(source.AddSeconds(1), value.ServerTimestamp);
    }

    [Property(MaxTest = 2000)]
    public void ReadPublishResponse_RandomBytes_ThrowsOnlyDecodingErrors(byte[] body)
    {
        try
        {
            var reader = new UaBinaryReader(body);
            NotificationMessage.Read(ref reader);
            reader.ReadArray("StatusCode", 4, static (ref UaBinaryReader r) => r.ReadStatusCode());
            reader.SkipDiagnosticInfoArray();
        }
        catch (UaDecodingException)
        {
            // Refused clearly: the only acceptable failure.
        }
    }

    [Property(MaxTest = 2000)]
    public void ReadVariant_RandomBytesAfterEachTypeByte_ThrowsOnlyDecodingErrors(byte type, byte[] rest)
    {
        var body = new[] { type }.Concat(rest).ToArray();
        try
        {
            var reader = new UaBinaryReader(body);
            reader.ReadVariant();
        }
        catch (UaDecodingException)
        {
            // Refused clearly.
        }
    }

    [Property]
    public void NodeId_TextForm_RoundTripsThroughTheBinaryEncoding(ushort ns, uint number, NonNull<string> text)
    {
        var valid = text.Get.Any(char.IsSurrogate) ? "x" : text.Get; // a lone surrogate is not text UTF-8 can carry
        foreach (var id in new[] { NodeId.Number(number, ns), NodeId.String(valid, ns) })
        {
            var bytes = Bytes(w => w.WriteNodeId(id));
            Assert.Equal(id, new UaBinaryReader(bytes).ReadNodeId());
            if (id.Type == NodeIdType.Numeric)
            {
                Assert.Equal(id, NodeId.Parse(id.ToString()));
            }
        }
    }
}
