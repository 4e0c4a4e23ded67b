namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>Upper bounds on what one decoded message may hold, checked before anything is allocated.</summary>
/// <param name="MaxStringBytes">Longest String, ByteString or XmlElement.</param>
/// <param name="MaxArrayLength">Most elements of one array.</param>
/// <param name="MaxNesting">Deepest nesting of Variants, DataValues, DiagnosticInfos and ExtensionObjects.</param>
public sealed record DecodingLimits(int MaxStringBytes, int MaxArrayLength, int MaxNesting)
{
    /// <summary>Defaults: 1 MiB strings (certificates fit), 65 535 elements, nesting 16 deep.</summary>
    public static DecodingLimits Default { get; } = new(1 << 20, 65_535, 16);
}
