namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>Human-readable text with its locale (OPC 10000-3 §8.5).</summary>
public sealed record LocalizedText(string? Locale, string? Text)
{
    /// <inheritdoc/>
    public override string ToString() => Text ?? string.Empty;
}
