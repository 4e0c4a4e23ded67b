using System.Text.Json.Serialization;

namespace TwinGuard.Twins.Edge;

/// <summary>The edge wire format, generated at build time (the edge agent is Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(EdgeMessage))]
[JsonSerializable(typeof(EdgeDownMessage))]
public sealed partial class EdgeJson : JsonSerializerContext;
