using System.Buffers.Binary;

namespace TwinGuard.Ingest.Modbus;

/// <summary>
/// Builds request PDUs and checks request and response PDUs against Modbus Application Protocol v1.1b3 §6 (function
/// codes 1-6, 15, 16, 23) and §7 (exception responses).
/// </summary>
public static class ModbusPdu
{
    /// <summary>§6.1/§6.2: at most 2000 bits per read.</summary>
    public const int MaxReadBits = 2000;

    /// <summary>§6.3/§6.4/§6.17: at most 125 registers per read.</summary>
    public const int MaxReadRegisters = 125;

    /// <summary>§6.11: at most 1968 coils per write.</summary>
    public const int MaxWriteCoils = 1968;

    /// <summary>§6.12: at most 123 registers per write.</summary>
    public const int MaxWriteRegisters = 123;

    /// <summary>§6.17: at most 121 registers written by Read/Write Multiple Registers.</summary>
    public const int MaxReadWriteRegisters = 121;

    /// <summary>§7: an exception response sets the high bit of the function code.</summary>
    public const byte ExceptionFlag = 0x80;

    /// <summary>Writes a read request (function codes 1-4): function, starting address, quantity. Returns its length (5).</summary>
    public static int WriteRead(Span<byte> pdu, ModbusFunction function, int address, int quantity)
    {
        pdu[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], (ushort)address);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)quantity);
        return 5;
    }

    /// <summary>Writes function code 5 or 6: function, address, value. Returns its length (5).</summary>
    public static int WriteSingle(Span<byte> pdu, ModbusFunction function, int address, ushort value)
    {
        pdu[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], (ushort)address);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], value);
        return 5;
    }

    /// <summary>§6.11 Write Multiple Coils: function, address, quantity, byte count, packed bits. Returns its length.</summary>
    public static int WriteCoils(Span<byte> pdu, int address, ReadOnlySpan<bool> values)
    {
        var bytes = (values.Length + 7) / 8;
        pdu[0] = (byte)ModbusFunction.WriteMultipleCoils;
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], (ushort)address);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)values.Length);
        pdu[5] = (byte)bytes;
        pdu.Slice(6, bytes).Clear();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i])
            {
                pdu[6 + (i >> 3)] |= (byte)(1 << (i & 7));
            }
        }

        return 6 + bytes;
    }

    /// <summary>§6.12 Write Multiple Registers: function, address, quantity, byte count, words. Returns its length.</summary>
    public static int WriteRegisters(Span<byte> pdu, int address, ReadOnlySpan<ushort> values)
    {
        pdu[0] = (byte)ModbusFunction.WriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], (ushort)address);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)values.Length);
        pdu[5] = (byte)(2 * values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(pdu[(6 + (2 * i))..], values[i]);
        }

        return 6 + (2 * values.Length);
    }

    /// <summary>§6.17 Read/Write Multiple Registers: the write happens before the read. Returns its length.</summary>
    public static int WriteReadWrite(Span<byte> pdu, int readAddress, int readQuantity, int writeAddress, ReadOnlySpan<ushort> values)
    {
        pdu[0] = (byte)ModbusFunction.ReadWriteMultipleRegisters;
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], (ushort)readAddress);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)readQuantity);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[5..], (ushort)writeAddress);
        BinaryPrimitives.WriteUInt16BigEndian(pdu[7..], (ushort)values.Length);
        pdu[9] = (byte)(2 * values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(pdu[(10 + (2 * i))..], values[i]);
        }

        return 10 + (2 * values.Length);
    }

    /// <summary>
    /// Checks a request PDU the way a server must (the state diagrams of §6.1-§6.17): unknown function → 01, quantity or
    /// byte count or length wrong → 03, addresses beyond 65535 → 02.
    /// </summary>
    /// <returns>True with the request when it is well-formed; false with the exception code to answer and why.</returns>
    public static bool TryParseRequest(ReadOnlySpan<byte> pdu, out ModbusRequest request, out ModbusExceptionCode refusal, out string problem)
    {
        request = default;
        refusal = ModbusExceptionCode.IllegalDataValue;
        if (pdu.Length == 0)
        {
            problem = "empty PDU";
            return false;
        }

        var function = (ModbusFunction)pdu[0];
        static bool Fail(string why, out string text)
        {
            text = why;
            return false;
        }

        switch (function)
        {
            case ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs
                or ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters:
            {
                if (pdu.Length != 5)
                {
                    return Fail($"function {(byte)function} needs a 5-byte PDU, found {pdu.Length}", out problem);
                }

                var (address, quantity) = (U16(pdu, 1), U16(pdu, 3));
                var max = function <= ModbusFunction.ReadDiscreteInputs ? MaxReadBits : MaxReadRegisters;
                if (quantity < 1 || quantity > max)
                {
                    return Fail($"quantity {quantity} outside 1..{max} (§6.{(byte)function})", out problem);
                }

                if (address + quantity > 65536)
                {
                    refusal = ModbusExceptionCode.IllegalDataAddress;
                    return Fail($"address {address} + quantity {quantity} runs past 65535", out problem);
                }

                request = new ModbusRequest(function, address, quantity, -1, 0, 0);
                problem = string.Empty;
                return true;
            }

            case ModbusFunction.WriteSingleCoil or ModbusFunction.WriteSingleRegister:
            {
                if (pdu.Length != 5)
                {
                    return Fail($"function {(byte)function} needs a 5-byte PDU, found {pdu.Length}", out problem);
                }

                if (function == ModbusFunction.WriteSingleCoil && U16(pdu, 3) is not (0x0000 or 0xFF00))
                {
                    return Fail($"coil value 0x{U16(pdu, 3):X4}, expected 0x0000 or 0xFF00 (§6.5)", out problem);
                }

                request = new ModbusRequest(function, -1, 0, U16(pdu, 1), 1, 3);
                problem = string.Empty;
                return true;
            }

            case ModbusFunction.WriteMultipleCoils or ModbusFunction.WriteMultipleRegisters:
            {
                if (pdu.Length < 6)
                {
                    return Fail($"function {(byte)function} needs at least 6 bytes, found {pdu.Length}", out problem);
                }

                var (address, quantity, count) = (U16(pdu, 1), U16(pdu, 3), pdu[5]);
                var coils = function == ModbusFunction.WriteMultipleCoils;
                var max = coils ? MaxWriteCoils : MaxWriteRegisters;
                var expected = coils ? (quantity + 7) / 8 : 2 * quantity;
                if (quantity < 1 || quantity > max)
                {
                    return Fail($"quantity {quantity} outside 1..{max} (§6.{(coils ? 11 : 12)})", out problem);
                }

                if (count != expected || pdu.Length != 6 + count)
                {
                    return Fail($"byte count {count} and PDU length {pdu.Length} do not match quantity {quantity} (expected {expected} and {6 + expected})", out problem);
                }

                if (address + quantity > 65536)
                {
                    refusal = ModbusExceptionCode.IllegalDataAddress;
                    return Fail($"address {address} + quantity {quantity} runs past 65535", out problem);
                }

                request = new ModbusRequest(function, -1, 0, address, quantity, 6);
                problem = string.Empty;
                return true;
            }

            case ModbusFunction.ReadWriteMultipleRegisters:
            {
                if (pdu.Length < 10)
                {
                    return Fail($"function 23 needs at least 10 bytes, found {pdu.Length}", out problem);
                }

                var (readAddress, readQuantity, writeAddress, writeQuantity, count) = (U16(pdu, 1), U16(pdu, 3), U16(pdu, 5), U16(pdu, 7), pdu[9]);
                if (readQuantity < 1 || readQuantity > MaxReadRegisters || writeQuantity < 1 || writeQuantity > MaxReadWriteRegisters)
                {
                    return Fail($"read quantity {readQuantity} (1..125) or write quantity {writeQuantity} (1..121) out of range (§6.17)", out problem);
                }

                if (count != 2 * writeQuantity || pdu.Length != 10 + count)
                {
                    return Fail($"byte count {count} and PDU length {pdu.Length} do not match write quantity {writeQuantity}", out problem);
                }

                if (readAddress + readQuantity > 65536 || writeAddress + writeQuantity > 65536)
                {
                    refusal = ModbusExceptionCode.IllegalDataAddress;
                    return Fail("read or write range runs past 65535", out problem);
                }

                request = new ModbusRequest(function, readAddress, readQuantity, writeAddress, writeQuantity, 10);
                problem = string.Empty;
                return true;
            }

            default:
                refusal = ModbusExceptionCode.IllegalFunction;
                return Fail($"function code {pdu[0]} is not one the guard understands", out problem);
        }
    }

    /// <summary>
    /// Checks a normal (non-exception) response against its request: function echo, byte counts, echoed fields.
    /// </summary>
    /// <returns>Null when valid, else what is wrong.</returns>
    public static string? ResponseProblem(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        if (response.Length == 0)
        {
            return "empty response PDU";
        }

        var function = (ModbusFunction)request[0];
        if ((response[0] & ~ExceptionFlag) != request[0])
        {
            return $"function code {response[0]} does not echo the request's {request[0]}";
        }

        if ((response[0] & ExceptionFlag) != 0)
        {
            // §7: function | 0x80, then exactly one exception code byte.
            return response.Length == 2 ? null : $"exception response of {response.Length} bytes, expected 2 (§7)";
        }

        switch (function)
        {
            case ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs:
            {
                var expected = (U16(request, 3) + 7) / 8; // §6.1: N = quantity / 8, +1 when there is a remainder
                return response.Length >= 2 && response[1] == expected && response.Length == 2 + expected ? null
                    : $"byte count {(response.Length >= 2 ? response[1] : -1)} in a {response.Length}-byte response, expected {expected} (§6.{(byte)function})";
            }

            case ModbusFunction.ReadHoldingRegisters or ModbusFunction.ReadInputRegisters or ModbusFunction.ReadWriteMultipleRegisters:
            {
                var expected = 2 * U16(request, 3);
                return response.Length >= 2 && response[1] == expected && response.Length == 2 + expected ? null
                    : $"byte count {(response.Length >= 2 ? response[1] : -1)} in a {response.Length}-byte response, expected {expected}";
            }

            case ModbusFunction.WriteSingleCoil or ModbusFunction.WriteSingleRegister:
                // §6.5/§6.6: the normal response is an echo of the request.
                return response.SequenceEqual(request[..5]) ? null : "response does not echo the request (§6.5/§6.6)";

            case ModbusFunction.WriteMultipleCoils or ModbusFunction.WriteMultipleRegisters:
                // §6.11/§6.12: function, starting address, quantity.
                return response.Length == 5 && response[1..5].SequenceEqual(request[1..5]) ? null
                    : "response does not echo the starting address and quantity (§6.11/§6.12)";

            default:
                return $"function code {request[0]} is not supported";
        }
    }

    private static int U16(ReadOnlySpan<byte> source, int offset) => BinaryPrimitives.ReadUInt16BigEndian(source[offset..]);
}
