using System.Buffers.Binary;
using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>The 8-byte message header of every UA TCP message (OPC 10000-6 §7.1.2.2, Table 50).</summary>
public static class UaTcpHeader
{
    /// <summary>MessageType (3 bytes), ChunkType (1 byte), MessageSize (UInt32).</summary>
    public const int Size = 8;

    /// <summary>Writes the header of a message of <paramref name="totalSize"/> bytes, this header included.</summary>
    public static void Write(Span<byte> destination, UaTcpMessageType type, byte chunkType, int totalSize)
    {
        var name = type switch
        {
            UaTcpMessageType.Hello => "HEL"u8,
            UaTcpMessageType.Acknowledge => "ACK"u8,
            UaTcpMessageType.Error => "ERR"u8,
            UaTcpMessageType.ReverseHello => "RHE"u8,
            UaTcpMessageType.Message => "MSG"u8,
            UaTcpMessageType.OpenSecureChannel => "OPN"u8,
            _ => "CLO"u8,
        };
        name.CopyTo(destination);
        destination[3] = chunkType;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)totalSize);
    }

    /// <summary>Parses a header; the size is checked against <paramref name="maxSize"/> before the body is read.</summary>
    /// <exception cref="OpcUaException">An unknown message type or chunk type, or a size outside 8..maxSize.</exception>
    public static (UaTcpMessageType Type, byte ChunkType, int Size) Parse(ReadOnlySpan<byte> header, uint maxSize)
    {
        UaTcpMessageType type;
        if (header[..3].SequenceEqual("MSG"u8)) { type = UaTcpMessageType.Message; }
        else if (header[..3].SequenceEqual("OPN"u8)) { type = UaTcpMessageType.OpenSecureChannel; }
        else if (header[..3].SequenceEqual("CLO"u8)) { type = UaTcpMessageType.CloseSecureChannel; }
        else if (header[..3].SequenceEqual("ACK"u8)) { type = UaTcpMessageType.Acknowledge; }
        else if (header[..3].SequenceEqual("ERR"u8)) { type = UaTcpMessageType.Error; }
        else if (header[..3].SequenceEqual("HEL"u8)) { type = UaTcpMessageType.Hello; }
        else if (header[..3].SequenceEqual("RHE"u8)) { type = UaTcpMessageType.ReverseHello; }
        else
        {
            throw new OpcUaException(StatusCodes.BadTcpMessageTypeInvalid,
                $"unknown UA TCP message type 0x{Convert.ToHexString(header[..3])} (OPC 10000-6 §7.1.2.2)");
        }

        var chunkType = header[3];
        if (chunkType is not ((byte)'F' or (byte)'C' or (byte)'A'))
        {
            throw new OpcUaException(StatusCodes.BadTcpMessageTypeInvalid, $"chunk type 0x{chunkType:X2} is not F, C or A (OPC 10000-6 §6.7.2.2)");
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (size < Size || size > maxSize)
        {
            throw new OpcUaException(StatusCodes.BadTcpMessageTooLarge,
                $"{header[..3].ToArray().Aggregate(string.Empty, (s, b) => s + (char)b)} chunk of {size} bytes is outside 8..{maxSize} (the negotiated receive buffer)");
        }

        return (type, chunkType, (int)size);
    }
}
