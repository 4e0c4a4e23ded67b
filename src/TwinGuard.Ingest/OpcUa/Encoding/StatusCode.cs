using System.Globalization;

namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>An OPC UA StatusCode (OPC 10000-4 §7.39): the top two bits say Good (00), Uncertain (01) or Bad (10).</summary>
/// <param name="Code">The 32-bit code.</param>
public readonly record struct StatusCode(uint Code)
{
    /// <summary>True when the severity bits are Good.</summary>
    public bool IsGood => (Code & 0xC0000000) == 0;

    /// <summary>True when the severity bits are Bad.</summary>
    public bool IsBad => (Code & 0x80000000) != 0;

    /// <summary>True when the severity bits are Uncertain.</summary>
    public bool IsUncertain => (Code & 0xC0000000) == 0x40000000;

    /// <summary>The code without its info bits (OPC 10000-4 §7.39.1: the low 16 bits qualify a Good code's value).</summary>
    public uint SubCode => Code & 0xFFFF0000;

    /// <summary>The symbolic name when known, else the code in hex.</summary>
    public override string ToString() =>
        StatusCodes.NameOf(this) is { } name ? name : "0x" + Code.ToString("X8", CultureInfo.InvariantCulture);
}
