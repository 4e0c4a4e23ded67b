using FsCheck.Xunit;
using TwinGuard.Ingest.Modbus;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Modbus;

public sealed class ModbusPduTests
{
    [Fact]
    public void TryParseRequest_ReadHoldingRegisters_ReadsAddressAndQuantity()
    {
        Assert.True(ModbusPdu.TryParseRequest([0x03, 0x00, 0x6B, 0x00, 0x03], out var request, out _, out _)); // §6.3 example

        Assert.Equal(ModbusFunction.ReadHoldingRegisters, request.Function);
        Assert.Equal(107, request.ReadAddress);
        Assert.Equal(3, request.ReadQuantity);
        Assert.False(request.Writes);
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0x00, 0x00, 0x00, 0x7E }, ModbusExceptionCode.IllegalDataValue)] // 126 registers > 125
    [InlineData(new byte[] { 0x03, 0x00, 0x00, 0x00, 0x00 }, ModbusExceptionCode.IllegalDataValue)] // quantity 0
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x07, 0xD1 }, ModbusExceptionCode.IllegalDataValue)] // 2001 coils > 2000
    [InlineData(new byte[] { 0x03, 0xFF, 0xFF, 0x00, 0x02 }, ModbusExceptionCode.IllegalDataAddress)] // past 65535
    [InlineData(new byte[] { 0x03, 0x00, 0x00, 0x00 }, ModbusExceptionCode.IllegalDataValue)] // short PDU
    [InlineData(new byte[] { 0x06, 0x00, 0x00, 0x00, 0x01, 0x00 }, ModbusExceptionCode.IllegalDataValue)] // long PDU
    [InlineData(new byte[] { 0x05, 0x00, 0x01, 0x12, 0x34 }, ModbusExceptionCode.IllegalDataValue)] // coil value not 0/FF00
    [InlineData(new byte[] { 0x10, 0x00, 0x00, 0x00, 0x02, 0x03, 0x00, 0x01, 0x00 }, ModbusExceptionCode.IllegalDataValue)] // byte count 3 for 2 registers
    [InlineData(new byte[] { 0x0F, 0x00, 0x00, 0x00, 0x09, 0x01, 0xFF }, ModbusExceptionCode.IllegalDataValue)] // 9 coils need 2 bytes
    [InlineData(new byte[] { 0x08, 0x00, 0x00, 0x00, 0x00 }, ModbusExceptionCode.IllegalFunction)] // diagnostics
    [InlineData(new byte[] { 0x5A, 0x00 }, ModbusExceptionCode.IllegalFunction)] // unknown
    public void TryParseRequest_Malformed_RefusesWithTheSpecifiedException(byte[] pdu, ModbusExceptionCode expected)
    {
        Assert.False(ModbusPdu.TryParseRequest(pdu, out _, out var code, out var problem));

        Assert.Equal(expected, code);
        Assert.NotEmpty(problem);
    }

    [Property(MaxTest = 200)]
    public bool WriteRegisters_AnyValues_ParseBackToTheSameWrite(ushort address, ushort[] values)
    {
        var words = values.Take(ModbusPdu.MaxWriteRegisters).DefaultIfEmpty((ushort)7).ToArray();
        var start = Math.Min(address, 65536 - words.Length);
        var pdu = new byte[260];
        var length = ModbusPdu.WriteRegisters(pdu, start, words);

        return ModbusPdu.TryParseRequest(pdu.AsSpan(0, length), out var request, out _, out _)
            && request.WriteAddress == start
            && request.WriteQuantity == words.Length
            && request.WriteTable == ModbusTable.Holding
            && words.Select((w, i) => request.WrittenValue(pdu.AsSpan(0, length), i) == w).All(x => x);
    }

    [Property(MaxTest = 200)]
    public bool WriteCoils_AnyBits_ParseBackToTheSameBits(bool[] bits)
    {
        var values = bits.Take(ModbusPdu.MaxWriteCoils).DefaultIfEmpty(true).ToArray();
        var pdu = new byte[260];
        var length = ModbusPdu.WriteCoils(pdu, 5, values);

        return ModbusPdu.TryParseRequest(pdu.AsSpan(0, length), out var request, out _, out _)
            && request.WriteTable == ModbusTable.Coil
            && values.Select((b, i) => request.WrittenValue(pdu.AsSpan(0, length), i) == (b ? 1 : 0)).All(x => x);
    }

    [Fact]
    public void ResponseProblem_ReadRegistersWithRightByteCount_IsNull()
    {
        Assert.Null(ModbusPdu.ResponseProblem([0x03, 0x00, 0x00, 0x00, 0x02], [0x03, 0x04, 0, 1, 0, 2]));
    }

    [Theory]
    [InlineData(new byte[] { 0x03, 0x02, 0, 1 }, "byte count")] // one register for two
    [InlineData(new byte[] { 0x03, 0x04, 0, 1, 0 }, "byte count")] // truncated
    [InlineData(new byte[] { 0x04, 0x04, 0, 1, 0, 2 }, "does not echo")] // other function
    [InlineData(new byte[] { 0x83, 0x02, 0x00 }, "exception response of 3 bytes")]
    public void ResponseProblem_Invalid_SaysWhat(byte[] response, string expected)
    {
        var problem = ModbusPdu.ResponseProblem([0x03, 0x00, 0x00, 0x00, 0x02], response);

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseProblem_WriteSingleRegisterEcho_IsNullOnlyForTheExactEcho()
    {
        byte[] request = [0x06, 0x00, 0x01, 0x00, 0x03];

        Assert.Null(ModbusPdu.ResponseProblem(request, request));
        Assert.NotNull(ModbusPdu.ResponseProblem(request, [0x06, 0x00, 0x01, 0x00, 0x04]));
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 0, 1, 0, 6, 1 }, "protocol id 1")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 1 }, "length 1")]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 255, 1 }, "above the 253-byte maximum")]
    public void MbapHeaderProblem_Invalid_SaysWhat(byte[] header, string expected)
    {
        Assert.Contains(expected, MbapHeader.Read(header).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void MbapHeaderWrite_ThenRead_RoundTrips()
    {
        var buffer = new byte[7];
        MbapHeader.Write(buffer, 0xBEEF, 17, 5);

        Assert.Equal(new MbapHeader(0xBEEF, 0, 6, 17), MbapHeader.Read(buffer));
        Assert.Null(MbapHeader.Read(buffer).Problem());
    }

    [Property(MaxTest = 2000)]
    public bool TryParseRequest_AnyBytes_NeverThrowsAndAcceptsOnlyWhatFitsThePdu(byte[] pdu)
    {
        var bytes = pdu.Take(MbapHeader.MaxPdu).ToArray();
        if (!ModbusPdu.TryParseRequest(bytes, out var request, out _, out var problem))
        {
            return problem.Length > 0;
        }

        // Every value a well-formed request writes lies inside the PDU.
        for (var i = 0; i < request.WriteQuantity; i++)
        {
            request.WrittenValue(bytes, i);
        }

        return request.ReadAddress + request.ReadQuantity <= 65536 && request.WriteAddress + request.WriteQuantity <= 65536;
    }
}
