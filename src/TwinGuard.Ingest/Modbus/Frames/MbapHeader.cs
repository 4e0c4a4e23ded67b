using System.Buffers.Binary;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// The MODBUS Application Protocol header that precedes every PDU on TCP (Messaging on TCP/IP Implementation Guide
/// v1.0b §3.1.3): transaction id (2), protocol id (2, always 0), length (2, the bytes that follow: unit id + PDU), unit id (1).
/// All fields big-endian (Modbus Application Protocol v1.1b3 §4.2).
/// </summary>
/// <param name="TransactionId">Pairs a response with its request; echoed by the server.</param>
/// <param name="ProtocolId">0 for Modbus.</param>
/// <param name="Length">Bytes after this field: 1 (unit id) + PDU length.</param>
/// <param name="UnitId">The addressed unit behind a gateway; echoed by the server.</param>
public readonly record struct MbapHeader(ushort TransactionId, ushort ProtocolId, ushort Length, byte UnitId)
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 7;

    /// <summary>Largest PDU: Modbus Application Protocol v1.1b3 §4.1 (RS-485 ADU 256 − address − CRC).</summary>
    public const int MaxPdu = 253;

    /// <summary>Largest TCP ADU: 7 + 253 = 260 bytes (Application Protocol v1.1b3 §4.1).</summary>
    public const int MaxAdu = Size + MaxPdu;

    /// <summary>Length of the PDU this header announces.</summary>
    public int PduLength => Length - 1;

    /// <summary>Reads a header; does not validate it.</summary>
    public static MbapHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16BigEndian(source),
        BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
        BinaryPrimitives.ReadUInt16BigEndian(source[4..]),
        source[6]);

    /// <summary>Writes the header for a PDU of <paramref name="pduLength"/> bytes.</summary>
    public static void Write(Span<byte> destination, ushort transactionId, byte unitId, int pduLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(pduLength + 1));
        destination[6] = unitId;
    }

    /// <summary>Why this header cannot start a valid ADU, or null when it can.</summary>
    public string? Problem() =>
        ProtocolId != 0 ? $"protocol id {ProtocolId}, expected 0 (Implementation Guide v1.0b §3.1.3)"
        : Length < 2 ? $"length {Length} leaves no room for a function code (at least 2: unit id and function)"
        : PduLength > MaxPdu ? $"length {Length} announces a PDU of {PduLength} bytes, above the {MaxPdu}-byte maximum (Application Protocol v1.1b3 §4.1)"
        : null;
}
