namespace TwinGuard.Ingest.OpcUa.SecureChannel;

/// <summary>Copies a decrypted block into place and says how long it was.</summary>
internal static class SpanCopy
{
    public static int CopyToReturning(this byte[] source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
