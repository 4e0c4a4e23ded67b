using System.Text;

namespace TwinGuard.Server.Bench;

/// <summary>MQTT packets built byte by byte, for the clients an attacker writes (the abuse benchmark and its tests).</summary>
internal static class RawMqttPackets
{
    /// <summary>MQTT 3.1.1 §3.1: a CONNECT with clean session, user name and password, keep-alive 60 s.</summary>
    public static byte[] Connect(string clientId, string userName, string password)
    {
        var body = new List<byte>();
        AddString(body, "MQTT");
        body.Add(4); // protocol level 3.1.1
        body.Add(0b1100_0010); // user name, password, clean session
        body.AddRange([0, 60]); // keep alive
        AddString(body, clientId);
        AddString(body, userName);
        AddString(body, password);
        return [0x10, .. RemainingLength(body.Count), .. body];
    }

    /// <summary>MQTT 3.1.1 §2.2.3: the variable-length encoding of a packet's remaining length.</summary>
    public static byte[] RemainingLength(long length)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            bytes.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        return [.. bytes];
    }

    /// <summary>MQTT 3.1.1 §1.5.3: a UTF-8 string with its two-byte length.</summary>
    private static void AddString(List<byte> body, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        body.Add((byte)(bytes.Length >> 8));
        body.Add((byte)bytes.Length);
        body.AddRange(bytes);
    }
}
