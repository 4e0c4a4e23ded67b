using System.Text.Json.Serialization;

namespace TwinGuard.Twins.Share;

/// <summary>The peer wire format, generated at build time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PeerEnvelope))]
[JsonSerializable(typeof(PeerMessage))]
public sealed partial class PeerJson : JsonSerializerContext;
